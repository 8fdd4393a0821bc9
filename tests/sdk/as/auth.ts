// AssemblyScript SDK: early-terminating authentication. Missing x-api-key → 401, wrong key → 403 (both
// terminated); the right key → x-auth-user is added to the request and the key removed.
import { Request, Response, terminate } from "@aegis-edge/sdk";

function deny(status: i32, body: string): i32 {
  Response.setHeader("content-type", "text/plain");
  if (status == 401) Response.setHeader("www-authenticate", "ApiKey");
  Response.setBodyText(body);
  return terminate(status) ? 0 : 1;
}

export function handle_request(): i32 {
  const key = Request.header("x-api-key");
  if (key == null) return deny(401, "missing api key\n");
  if (key != "s3cret") return deny(403, "bad api key\n");
  if (!Request.setHeader("x-auth-user", "alice")) return 3;
  if (!Request.removeHeader("x-api-key")) return 4;
  const user = Request.header("x-auth-user");
  if (user == null || Request.header("x-api-key") != null) return 5;
  Response.setHeader("x-seen-user", user);
  return 0;
}
