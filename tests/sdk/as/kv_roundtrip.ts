// AssemblyScript SDK: key-value round trip in one invocation (aegis run starts with an empty store).
import { Request, Response, kv } from "@aegis-edge/sdk";

export function handle_request(): i32 {
  if (kv.get("greeting") != null) return 2;
  const body = Request.bodyText;
  const value = body.length > 0 ? body : "hello";
  if (!kv.set("greeting", value, 60)) return 4;
  const got = kv.get("greeting");
  if (got == null) return 5;
  const bytes = kv.getBytes("greeting");
  if (bytes == null || bytes.length != String.UTF8.byteLength(got)) return 6;
  if (kv.set("k".repeat(300), "x")) return 7;
  Response.setBodyText("kv: " + got + " (" + bytes.length.toString() + " bytes)");
  Response.setHeader("x-kv-miss-before-set", "yes");
  return 0;
}
