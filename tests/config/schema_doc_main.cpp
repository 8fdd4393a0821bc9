// Prints the config key reference (Markdown) that docs/configuration.md embeds.
#include <cstdio>

#include "config/schema.h"

int main() {
  std::fputs(aegis::config::schema_reference_markdown().c_str(), stdout);
  return 0;
}
