// Loading aegis.yaml: parse, validate against the schema (schema.h), and return the typed Config (config.h).
// Every problem is reported as a ConfigError naming FILE:LINE:COL and the key path of the offending value.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "config/config.h"

namespace aegis::config {

// A config that cannot be used. what() is "FILE:LINE:COL: KEY: MESSAGE", e.g.
//   aegis.yaml:12:5: origins[0].servers[1]: expected host:port, got "x:99999"
// line and column are 1-based; they are 0 when no position applies (e.g. the file cannot be read), in which case
// what() is "FILE: MESSAGE" (or "FILE: KEY: MESSAGE"). key is empty for whole-document problems such as syntax errors,
// and then the "KEY: " part is left out.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, std::string key, std::string message);

  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }
  int column() const noexcept { return column_; }
  const std::string& key() const noexcept { return key_; }        // e.g. "origins[0].servers[1]"
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string key_;
  std::string message_;
};

// Reads and validates the file. Config::source_path is set to `path`.
Config load_file(const std::string& path);

// Validates YAML text; `name` stands for the file name in errors and becomes Config::source_path.
Config load_string(std::string_view yaml, std::string name);

}  // namespace aegis::config
