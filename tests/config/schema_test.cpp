// The schema table agrees with config.h (defaults), with the loader (every key is accepted) and with
// docs/configuration.md (the key reference is embedded verbatim).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "config/loader.h"
#include "config/schema.h"
#include "test_util.h"

namespace aegis::config {
namespace {

std::string leaf(std::string_view path) {
  auto dot = path.rfind('.');
  return std::string(dot == std::string_view::npos ? path : path.substr(dot + 1));
}

// YAML for every non-list entry under `prefix`, at its documented default, indented by `indent`.
std::string defaults_yaml(std::string_view prefix, const std::string& indent) {
  std::string out;
  for (const auto& e : schema()) {
    std::string_view p = e.path;
    auto dot = p.rfind('.');
    std::string_view parent = dot == std::string_view::npos ? std::string_view{} : p.substr(0, dot);
    if (parent != prefix || e.type == ValueType::List) continue;
    if (e.type == ValueType::Map) {
      out += indent + leaf(p) + ":\n" + defaults_yaml(p, indent + "  ");
    } else if (!e.required) {
      out += indent + leaf(p) + ": " + std::string(e.default_value) + "\n";
    }
  }
  return out;
}

TEST(Schema, DocumentedDefaultsMatchConfigH) {
  // An edge function needs an existing module file (the loader checks it exists; it does not load it).
  const std::string kFunction = "functions:\n  - name: f\n    module: " + std::string(AEGIS_SOURCE_DIR) +
                                "/CMakeLists.txt\n";
  // Every default written out explicitly must give the same Config as leaving every key out.
  std::string explicit_yaml = defaults_yaml("", "") +
                              "listeners:\n  - port: 8080\n" + defaults_yaml("listeners[]", "    ") +
                              "origins:\n  - name: o\n    servers: [\"h:1\"]\n" + defaults_yaml("origins[]", "    ") +
                              "routes:\n  - origin: o\n" + defaults_yaml("routes[]", "    ") + kFunction +
                              defaults_yaml("functions[]", "    ");
  std::string implicit_yaml =
      "listeners:\n  - port: 8080\norigins:\n  - name: o\n    servers: [\"h:1\"]\nroutes:\n  - origin: o\n" +
      kFunction;
  Config with_defaults = load_string(explicit_yaml, "x");
  Config without = load_string(implicit_yaml, "x");
  EXPECT_EQ(with_defaults, without) << explicit_yaml;
  // And the defaults written into that YAML really covered every scalar key.
  for (const auto& e : schema()) {
    if (e.type == ValueType::Map || e.type == ValueType::List || e.required) continue;
    EXPECT_FALSE(e.default_value.empty()) << e.path << " has neither a default nor required";
    EXPECT_NE(explicit_yaml.find(leaf(e.path) + ": " + std::string(e.default_value)), std::string::npos) << e.path;
  }
}

TEST(Schema, EveryEntryIsWellFormed) {
  std::set<std::string_view> seen;
  for (const auto& e : schema()) {
    EXPECT_TRUE(seen.insert(e.path).second) << "duplicate " << e.path;
    EXPECT_FALSE(e.description.empty()) << e.path;
    bool container = e.type == ValueType::Map || e.type == ValueType::List;
    EXPECT_EQ(container, e.enter != nullptr) << e.path;
    EXPECT_EQ(!container, e.apply != nullptr) << e.path;
    if (e.type == ValueType::Enum) {
      EXPECT_FALSE(e.choices.empty()) << e.path;
    }
    // Parents come before their children.
    std::string_view p = e.path;
    auto dot = p.rfind('.');
    if (dot != std::string_view::npos) {
      std::string_view parent = p.substr(0, dot);
      if (parent.ends_with("[]")) parent.remove_suffix(2);
      EXPECT_TRUE(seen.count(parent)) << e.path;
    }
  }
  EXPECT_EQ(find_schema_entry("origins[].connect_timeout")->type, ValueType::Duration);
  EXPECT_EQ(find_schema_entry("nope"), nullptr);
}

TEST(Schema, DocsEmbedTheGeneratedReference) {
  std::string doc = test::read_file(std::string(AEGIS_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_FALSE(doc.empty()) << "docs/configuration.md is missing";
  const std::string begin = "<!-- schema:begin -->\n", end = "<!-- schema:end -->";
  auto b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  std::string embedded = doc.substr(b + begin.size(), e - b - begin.size());
  EXPECT_EQ(embedded, schema_reference_markdown())
      << "docs/configuration.md is out of date: regenerate the table with build/tests/config/config_schema_doc";
  for (const auto& entry : schema())
    EXPECT_NE(doc.find("`" + std::string(entry.path) + "`"), std::string::npos) << entry.path;
}

TEST(Schema, DocsExampleConfigIsValid) {
  // The first ```yaml block of docs/configuration.md is a complete example and must load.
  std::string doc = test::read_file(std::string(AEGIS_SOURCE_DIR) + "/docs/configuration.md");
  auto b = doc.find("```yaml\n");
  ASSERT_NE(b, std::string::npos);
  b += 8;
  auto e = doc.find("```", b);
  ASSERT_NE(e, std::string::npos);
  EXPECT_NO_THROW(load_string(doc.substr(b, e - b), "docs/configuration.md"));
}

}  // namespace
}  // namespace aegis::config
