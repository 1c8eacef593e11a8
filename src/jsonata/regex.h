#pragma once
// A JavaScript regular expression literal (`/ab+c/i`) compiled once with
// PCRE2 (UTF mode, JavaScript-style `$` and `\u` escapes) and JIT where the
// platform has it. exec() is const and safe from any thread: each call makes
// its own match data.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stepd::jsonata {

class Regex {
 public:
  // Byte offsets into the subject; a group that did not take part is unset.
  struct Match {
    std::size_t start = 0;
    std::size_t end = 0;
    std::vector<std::pair<bool, std::pair<std::size_t, std::size_t>>> groups;
  };

  // nullptr with `error` set when PCRE2 rejects the pattern.
  static std::shared_ptr<const Regex> compile(std::string_view pattern, std::string_view flags, std::string* error);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // The first match starting at or after byte `from`.
  bool exec(std::string_view subject, std::size_t from, Match& m) const;
  const std::string& source() const { return source_; }

 private:
  Regex() = default;
  void* code_ = nullptr;  // pcre2_code_8*
  std::string source_;
};

}  // namespace stepd::jsonata
