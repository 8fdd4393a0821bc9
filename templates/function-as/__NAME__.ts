// {{NAME}} — an AEGIS Edge function in AssemblyScript, on @aegis-edge/sdk (docs/sdk-assemblyscript.md).
//
//   GET …/hello     answered at the edge: 200 "Hello from {{NAME}}!" (the origin is not contacted)
//   anything else   forwarded to the origin with `x-edge-function: {{NAME}}`; the client's response gets
//                   `x-served-by: {{NAME}}`
//
// Build: ./build.sh        Try: ./test.sh (or `aegis run {{NAME}}.wasm --uri /{{NAME}}/hello`)
import { Request, Response, terminate, log } from "@aegis-edge/sdk";

export function handle_request(): i32 {
  const uri = Request.uri;
  const q = uri.indexOf("?");
  const path = q >= 0 ? uri.substring(0, q) : uri;

  if (!Response.setHeader("x-served-by", "{{NAME}}")) return 1;
  if (path.endsWith("/hello")) {
    Response.setHeader("content-type", "text/plain; charset=utf-8");
    Response.setBodyText("Hello from {{NAME}}!\n");
    log("{{NAME}}: answered " + path + " at the edge");
    return terminate(200) ? 0 : 2;
  }
  return Request.setHeader("x-edge-function", "{{NAME}}") ? 0 : 3;
}
