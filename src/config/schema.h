// The one table that describes aegis.yaml: every key, its type, its default and what it does.
// The loader validates against it, docs/configuration.md documents it (a test checks they agree), and
// defaults written here are checked against config.h's initializers by a test.
//
// The schema is made of sections, one per subsystem, each in its own file: the core keys (schema.cpp), `redis`
// (schema_redis.cpp), `cache` (schema_cache.cpp), `waf` (schema_waf.cpp), `bot` (schema_bot.cpp). A section owns
// its table and its cross-field rules (SchemaSection::check).
//
// Adding a key: add the field (with its default initializer) to the section's model header (config.h or
// config/<section>_config.h), add an entry to the section's table (path, type, default as YAML text, required,
// description, and an apply/enter lambda), then regenerate the table in docs/configuration.md with
// build/tests/config/config_schema_doc. Cross-field rules of the core live in loader.cpp, the others in their
// section's check function.
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
  HeaderMatches,  // mapping of header name → value ("*" = present with any value)
  StringMap,   // mapping of names to strings (e.g. a function's environment)
  FunctionChain,  // list of function uses: a name, or a mapping validated against function_use_schema()
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
  std::vector<std::pair<std::string, std::string>> pairs;  // HeaderMatches (names lower-cased), StringMap
  std::vector<FunctionUse> uses;    // FunctionChain
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

// Casts an apply/enter target: `[](void* t, const Value& v) { target<Route>(t).host = v.text; }`.
template <typename T>
T& target(void* p) {
  return *static_cast<T*>(p);
}

// What a section's cross-field check may use: the file's positions of keys, and a way to fail.
class SectionChecker {
 public:
  virtual ~SectionChecker() = default;
  // Throws ConfigError at the position of `key` (e.g. "routes[2].cache.ttl"), or of `fallback_key` when `key` was
  // not written in the file (a default), or without a position.
  [[noreturn]] virtual void fail(const std::string& key, const std::string& fallback_key,
                                 const std::string& message) const = 0;
  // Whether `key` was written in the file.
  virtual bool written(const std::string& key) const = 0;
  // The config file's path (relative paths in the config are taken from its directory).
  virtual const std::string& file() const = 0;
};

struct SchemaSection {
  std::string_view name;                 // "core", "redis", "cache", "waf", "bot"
  std::span<const SchemaEntry> entries;  // document order, parents before children
  // Cross-field rules, run after the whole file was applied (and after the core rules). May normalise values.
  void (*check)(Config& config, const SectionChecker& checker) = nullptr;
};

// The sections, defined in their own files.
const SchemaSection& core_schema_section();
const SchemaSection& redis_schema_section();
const SchemaSection& cache_schema_section();
const SchemaSection& waf_schema_section();
const SchemaSection& bot_schema_section();

// The keys of one mapping entry of `routes[].functions` (paths are the bare key: "name", "canary", ...), applied
// to a FunctionUse. Documented in docs/configuration.md below the generated table and in docs/edge-functions.md.
std::span<const SchemaEntry> function_use_schema();

// All sections, in the order above.
std::span<const SchemaSection* const> schema_sections();

// All keys of all sections in document order (parents before children).
std::span<const SchemaEntry> schema();

// The entry for a path such as "origins[].name", or nullptr.
const SchemaEntry* find_schema_entry(std::string_view path);

// The key reference as a Markdown table (| key | type | default | description |), one row per entry.
// docs/configuration.md embeds it verbatim between <!-- schema:begin --> and <!-- schema:end --> (a test checks).
std::string schema_reference_markdown();

}  // namespace aegis::config
