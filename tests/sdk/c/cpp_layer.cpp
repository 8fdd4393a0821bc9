// C++ SDK layer (aegis::edge, std::string returns, RAII Bytes): header injection, KV, request mutation.
#include "aegis_edge.h"

namespace edge = aegis::edge;

AEGIS_EDGE_FUNCTION(handle_request) {
  std::string method = edge::request::method();
  std::string uri = edge::request::uri();
  auto in = edge::request::header("x-in");
  edge::response::set_header("x-out", in ? *in : std::string("(absent)"));
  edge::response::set_header("x-edge", "cpp-sdk");
  edge::response::set_status(203);
  if (edge::kv::set("k", "v-" + method, 0) != AEGIS_OK) return 2;
  auto v = edge::kv::get("k");
  if (!v || *v != "v-" + method) return 3;
  if (edge::kv::get("absent")) return 4;
  edge::response::set_header("x-kv", *v);
  if (!edge::response::status() || *edge::response::status() != 203) return 5;
  if (edge::request::set_uri(uri + (uri.find('?') == std::string::npos ? "?via=cpp" : "&via=cpp")) != AEGIS_OK)
    return 6;
  edge::Bytes names;
  if (aegis_request_header_names(names.out()) != AEGIS_OK) return 7;
  edge::response::set_body(std::string("names=") + std::string(names.view()));
  edge::log("cpp: " + method + " " + uri);
  return 0;
}
