// The demo site's content: maps one request to one response, independent of any socket code.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace aegis::demo {

struct DemoRequest {
  std::string method;
  std::string target;
  std::string version;  // "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  // "ip:port" of the peer (the proxy)
};

struct DemoResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
};

DemoResponse handle_demo_request(const DemoRequest& req);

}  // namespace aegis::demo
