// The HeaderMap phases see for a request or origin response held in http::FlatFields.
#pragma once

#include "http/flat_fields.h"
#include "proxy/header_map.h"

namespace aegis::proxy {

class FlatHeaderMap final : public HeaderMap {
 public:
  explicit FlatHeaderMap(http::FlatFields& f) : f_(f) {}
  std::optional<std::string_view> get(std::string_view name) const override { return f_.get(name); }
  void set(std::string_view name, std::string_view value) override { f_.set(name, value); }
  void add(std::string_view name, std::string_view value) override { f_.add(name, value); }
  void remove(std::string_view name) override { f_.remove(name); }
  void for_each(const std::function<void(std::string_view, std::string_view)>& fn) const override {
    // By index, on a copy of the line: `fn` may add fields (the vector may grow) without breaking the walk.
    for (std::size_t i = 0; i < f_.fields().size(); ++i) {
      http::FlatFields::Field field = f_.fields()[i];
      fn(field.name, field.value);
    }
  }

 private:
  http::FlatFields& f_;
};

}  // namespace aegis::proxy
