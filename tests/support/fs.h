// Filesystem helpers for tests: a self-removing temporary directory and whole-file read/write.
#pragma once

#include <string>

namespace aegis::test {

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes (truncates) the file; throws std::runtime_error on failure.
void write_file(const std::string& path, const std::string& content);
// Reads the whole file; returns "" if it does not exist.
std::string read_file(const std::string& path);

}  // namespace aegis::test
