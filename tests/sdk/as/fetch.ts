// AssemblyScript SDK: outbound HTTP against the base URL in request header x-origin.
import { Request, Response, fetch, http } from "@aegis-edge/sdk";

export function handle_request(): i32 {
  const base = Request.header("x-origin");
  if (base == null) return 2;
  const post = http.post(base + "/echo", "ping-body", "text/plain");
  if (post == null) return 3;
  const teapot = fetch(base + "/status/418");
  if (teapot == null) return 4;
  const del = http.del(base + "/echo");
  if (del == null) return 5;
  const put = http.put(base + "/echo", "{}", "application/json");
  if (put == null) return 6;
  if (http.get("ftp://nope/") != null || http.lastStatus() != -1) return 7;
  Response.setHeader("x-statuses",
    post.status.toString() + " " + teapot.status.toString() + " " + del.status.toString() + " " + put.status.toString());
  Response.setBody(post.body);
  return 0;
}
