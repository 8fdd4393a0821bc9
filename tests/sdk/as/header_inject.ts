// AssemblyScript SDK: header injection (x-in → x-out, x-edge, two Set-Cookie, status 201), response read-back,
// and a refused CR/LF header value.
import { Request, Response, log } from "@aegis-edge/sdk";

export function handle_request(): i32 {
  const input = Request.header("X-In");
  Response.setHeader("x-out", input != null ? input : "(absent)");
  if (!Response.setHeader("x-edge", "as-sdk")) return 11;
  Response.addHeader("set-cookie", "a=1");
  Response.addHeader("set-cookie", "b=2");
  Response.addHeader("x-temp", "gone");
  Response.removeHeader("X-Temp");
  if (Response.setHeader("x-bad", "line\r\ninjected: yes")) return 12;
  if (Response.setStatus(600)) return 13;
  if (!Response.setStatus(201)) return 14;
  if (Response.status != 201) return 15;
  const edge = Response.header("x-edge");
  if (edge == null || edge != "as-sdk") return 16;
  const names = Request.headerNames;
  Response.setHeader("x-request-header-count", names.length.toString());
  Response.setHeader("x-first-request-header", names.length > 0 ? names[0] : "");
  log("as-sdk: " + Request.method + " " + Request.uri + " héllo");
  return 0;
}

// Fails with a function error (return value 7).
export function fails(): i32 {
  return 7;
}

// Aborts (assertion): the SDK's abort handler logs the message and traps.
export function aborts(): i32 {
  const n = Request.headerNames.length;
  assert(n > 100, "needs more headers");
  return 0;
}
