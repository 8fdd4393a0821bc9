// AssemblyScript SDK: URI rewrite /old/<rest> → /new/<rest> (query kept), HEAD → GET, x-rewritten: 1.
import { Request } from "@aegis-edge/sdk";

export function handle_request(): i32 {
  const uri = Request.uri;
  if (uri.startsWith("/old/")) {
    if (!Request.setUri("/new/" + uri.substring(5))) return 4;
    Request.addHeader("x-rewritten", "1");
  }
  if (Request.setUri("http://elsewhere/")) return 5;
  if (Request.method == "HEAD" && !Request.setMethod("GET")) return 7;
  return 0;
}
