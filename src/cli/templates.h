// The project templates of `aegis new` (templates/function-*/ in the repository), embedded into the binary at
// build time by embed_templates.cmake so the command works from any build tree.
#pragma once

#include <span>
#include <string_view>

namespace aegis::cli {

struct TemplateFile {
  std::string_view template_name;  // "function-c", "function-as"
  std::string_view path;           // relative path inside the project; "__NAME__" is replaced by the name
  std::string_view content;        // "{{NAME}}", "{{SDK_DIR}}", "{{AEGIS}}", "{{PROJECT_DIR}}" are replaced
  bool executable;                 // *.sh: written with mode 0755
};

std::span<const TemplateFile> template_files();

}  // namespace aegis::cli
