// The one table that describes aegis.yaml: every key, its type, its default and what it does.
// The loader validates against it, docs/configuration.md documents it (a test checks they agree), and
// defaults written here are checked against config.h's initializers by a test.
//
// Adding a key: add the field (with its default initializer) to config.h, add an entry to the table in schema.cpp
// (path, type, default as YAML text, required, description, and an apply/enter lambda), then regenerate the table
// in docs/configuration.md with build/tests/config/config_schema_doc. Cross-field rules live in loader.cpp.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace aegis::config {

enum class ValueType {
  Map,         // a nested mapping (e.g. limits, admin)
  List,        // a list of mappings (e.g. origins, routes, listeners)
  Bool,
  String,
  NonEmptyString,
  Integer,     // non-negative integer within [min, max]
  Port,        // 1..65535, or 0..65535 where min == 0 ("0 = pick a free port")
  Duration,    // "250ms", "2s", "1m", "1h"
  Size,        // "16KiB", "10MiB", "1MB", or plain bytes
  Enum,        // one of `choices` (comma separated)
  Workers,     // "auto" or an integer 1..1024
  HostPortList,  // list of "host:port" strings, at least one
  Address,     // IP literal or host name for binding
  HostPattern, // "*", "name.example.com" or "*.example.com"
  PathPrefix,  // starts with "/"
  NameList,    // list of non-empty strings (e.g. function names)
};

std::string_view to_string(ValueType t);

// A validated value, handed to an entry's `apply`. Only the member matching the entry's type is meaningful.
struct Value {
  bool boolean = false;
  long long integer = 0;            // Integer, Port, Workers (0 = auto)
  std::string text;                 // String, NonEmptyString, Enum, Address, HostPattern, PathPrefix
  Millis duration{0};
  std::size_t size = 0;
  std::vector<Endpoint> endpoints;  // HostPortList
  std::vector<std::string> names;   // NameList
};

// Scalars: store the value into *target (the struct of the enclosing map: Config, Origin, Limits, ...).
using ApplyFn = void (*)(void* target, const Value& value);
// Map: return the nested struct inside *parent. List: append a new element to *parent and return it.
using EnterFn = void* (*)(void* parent);

struct SchemaEntry {
  std::string_view path;           // "workers", "limits.max_body_bytes", "origins[].connect_timeout"
  ValueType type;
  std::string_view default_value;  // as written in YAML; empty = no default (see `required`)
  bool required;                   // must be present (within its parent map)
  std::string_view description;
  std::string_view choices = {};   // Enum only: "trace,debug,info,..."
  long long min = 0;               // Integer/Port/Duration(ms)/Size(bytes): lowest accepted value
  long long max = 0;               // Integer only (0 = no upper bound)
  ApplyFn apply = nullptr;         // scalars
  EnterFn enter = nullptr;         // Map and List
};

// All keys in document order (parents before children).
std::span<const SchemaEntry> schema();

// The entry for a path such as "origins[].name", or nullptr.
const SchemaEntry* find_schema_entry(std::string_view path);

// The key reference as a Markdown table (| key | type | default | description |), one row per entry.
// docs/configuration.md embeds it verbatim between <!-- schema:begin --> and <!-- schema:end --> (a test checks).
std::string schema_reference_markdown();

}  // namespace aegis::config
