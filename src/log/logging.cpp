#include "log/logging.h"

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace aegis::log {
namespace {

std::shared_ptr<spdlog::logger> make_logger() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto l = std::make_shared<spdlog::logger>("aegis", std::move(sink));
  l->set_level(spdlog::level::info);
  l->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] [%n] %v");
  l->flush_on(spdlog::level::warn);
  return l;
}

}  // namespace

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  using L = spdlog::level::level_enum;
  if (name == "trace") return L::trace;
  if (name == "debug") return L::debug;
  if (name == "info") return L::info;
  if (name == "warn") return L::warn;
  if (name == "error") return L::err;
  if (name == "critical") return L::critical;
  if (name == "off") return L::off;
  return std::nullopt;
}

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> l = make_logger();  // kept alive until exit
  return *l;
}

void set_level(std::string_view level) {
  auto l = parse_level(level);
  if (!l) throw std::invalid_argument("unknown log level: " + std::string(level));
  logger().set_level(*l);
}

void setup(std::string_view level) {
  set_level(level);
  logger().set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] [%n] %v");
}

}  // namespace aegis::log
