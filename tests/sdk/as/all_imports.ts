// AssemblyScript SDK: every host function. Imports all 30 `env` functions (loading proves every declaration
// matches the host's exact signature) and calls each non-HTTP API once, returning a distinct code on a surprise.
import { Request, Response, terminate, kv, http, fetch, log } from "@aegis-edge/sdk";

export function handle_request(): i32 {
  if (!Request.setMethod("PUT") || Request.method != "PUT") return 2;
  if (!Request.setUri("/all?x=1") || Request.uri != "/all?x=1") return 4;
  if (!Request.addHeader("x-a", "1") || !Request.setHeader("x-b", "2")) return 6;
  if (!Request.removeHeader("x-a")) return 7;
  const names = Request.headerNames;
  if (names.length != 2 || names[0] != "host" || names[1] != "x-b") return 8;
  if (!Request.setBodyText("new body") || Request.bodyText != "new body") return 9;
  const raw = new Uint8Array(3);
  raw[0] = 1; raw[1] = 2; raw[2] = 3;
  if (!Request.setBody(raw) || Request.body.length != 3 || Request.body[2] != 3) return 10;

  if (Response.status != -1) return 14;
  if (!Response.setStatus(299)) return 15;
  if (!Response.addHeader("x-r", "1") || !Response.setHeader("x-s", "2")) return 16;
  if (!Response.removeHeader("x-r")) return 17;
  const rnames = Response.headerNames;
  if (rnames.length != 1 || rnames[0] != "x-s") return 18;
  const s = Response.header("X-S");
  if (s == null || s != "2") return 19;
  if (Response.header("x-r") != null) return 20;
  if (!Response.setBody(raw) || Response.body.length != 3) return 21;
  if (!Response.setBodyText("resp") || Response.bodyText != "resp") return 22;

  const bytes = new Uint8Array(1);
  bytes[0] = 0x76;
  if (!kv.setBytes("k", bytes, 0)) return 23;
  const v = kv.getBytes("k");
  if (v == null || v.length != 1 || v[0] != 0x76) return 23;
  log("all-imports");
  trace("all-imports", 2, 42, 1.5);  // routed to the SDK's aegisTrace (no env.trace import)
  if (terminate(42) || !terminate(299)) return 24;
  if (http.lastStatus() != -1) return 25;
  const r = Math.random();
  if (r < 0 || r >= 1) return 26;

  const origin = Request.header("x-origin");
  if (origin != null) {
    fetch(origin);
    http.post(origin, "");
    http.put(origin, "");
    http.del(origin);
  }
  return 0;
}
