// FlatFields: the header block of an origin response as the proxy relays it — field lines in order, in storage that
// is reused from one response to the next on a connection.
//
// Beast's fields container allocates a node per field and keeps a case-insensitive search tree; for the dozen fields
// of a typical response, parsed once, edited a few times and written out once, a vector scanned linearly is several
// times cheaper (bench/cpu-cost.sh). Names compare ASCII-case-insensitively; values are stored with surrounding
// spaces and tabs trimmed (as Beast stores them).
//
// Views returned by get()/for_each stay valid until clear(): storage is appended to, never moved.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace aegis::http {

class FlatFields {
 public:
  struct Field {
    std::string_view name, value;
  };

  FlatFields() = default;
  FlatFields(const FlatFields&) = delete;
  FlatFields& operator=(const FlatFields&) = delete;

  // Forgets every field; keeps the first storage block for the next message.
  void clear();

  void add(std::string_view name, std::string_view value);
  // Removes every line of `name`, then appends one.
  void set(std::string_view name, std::string_view value);
  // Removes every line of `name`; returns how many there were.
  std::size_t remove(std::string_view name);
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  const std::vector<Field>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }

  // Removes the hop-by-hop fields (http::hop_by_hop_kind): Connection and every field it names, Keep-Alive,
  // Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade. The caller re-establishes the outgoing framing afterwards.
  void remove_hop_by_hop();
  // Appends `value` to a list-valued field ("a, b"), joining several existing lines of that field into one.
  void append_list_value(std::string_view name, std::string_view value);

 private:
  char* reserve(std::size_t n);  // n bytes of storage that never move until clear()

  static constexpr std::size_t kBlock = 4096;
  std::vector<Field> fields_;
  std::vector<std::unique_ptr<char[]>> blocks_;  // blocks_[0] is kBlock bytes; larger strings get their own block
  char* free_ = nullptr;
  std::size_t left_ = 0;
};

}  // namespace aegis::http
