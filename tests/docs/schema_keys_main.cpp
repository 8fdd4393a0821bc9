// Prints every key of the config schema, one per line: "PATH<TAB>TYPE<TAB>DEFAULT" for config::schema(), and
// "function-use:KEY<TAB>TYPE<TAB>DEFAULT" for the keys of a `routes[].functions` mapping entry. check_docs.py
// verifies each is documented in docs/configuration.md.
#include <cstdio>
#include <string>

#include "config/schema.h"

int main() {
  namespace c = aegis::config;
  for (const c::SchemaEntry& e : c::schema())
    std::printf("%.*s\t%.*s\t%.*s\n", static_cast<int>(e.path.size()), e.path.data(),
                static_cast<int>(c::to_string(e.type).size()), c::to_string(e.type).data(),
                static_cast<int>(e.default_value.size()), e.default_value.data());
  for (const c::SchemaEntry& e : c::function_use_schema())
    std::printf("function-use:%.*s\t%.*s\t%.*s\n", static_cast<int>(e.path.size()), e.path.data(),
                static_cast<int>(c::to_string(e.type).size()), c::to_string(e.type).data(),
                static_cast<int>(e.default_value.size()), e.default_value.data());
  return 0;
}
