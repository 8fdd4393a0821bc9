// Schema section `bot`: bot management and rate limiting. Owned by src/bot.
#include "config/schema.h"

namespace aegis::config {
namespace {

using VT = ValueType;

// clang-format off
const SchemaEntry kEntries[] = {
  {"bot", VT::Map, "", false, "Bot management and per-client rate limiting.", {}, 0, 0,
   nullptr, [](void* p) -> void* { return &target<Config>(p).bot; }},
  {"bot.enabled", VT::Bool, "false", false, "Classify clients and apply the routes' bot policies.", {}, 0, 0,
   [](void* t, const Value& v) { target<BotConfig>(t).enabled = v.boolean; }},
};
// clang-format on

}  // namespace

const SchemaSection& bot_schema_section() {
  static const SchemaSection section{"bot", kEntries, nullptr};
  return section;
}

}  // namespace aegis::config
