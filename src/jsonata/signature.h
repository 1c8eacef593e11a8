#pragma once
// Function signatures (`<s-nn?:s>`): which arguments a function accepts,
// which may come from the context (`-`), and how single values become
// arrays (`a`). Parsed once; validate() is const and thread-safe.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/jsonata/value.h"

namespace stepd::jsonata {

class Signature {
 public:
  // Throws Error S0401/S0402 with position = offset within the text.
  static std::shared_ptr<const Signature> parse(std::string_view text);

  // The arguments to call with: context substituted for a missing `-`
  // argument, single values wrapped for `a`. Throws T0410/T0411/T0412.
  std::vector<Value> validate(const std::vector<Value>& args, const Value& context) const;

  const std::string& definition() const { return definition_; }
  std::size_t param_count() const { return params_.size(); }

 private:
  struct Param {
    char type = 0;          // s n b l o a f j x, or '(' for a choice
    std::string symbols;    // the type symbols it accepts (m = missing)
    char quantifier = 0;    // 0, '?', '+'
    bool context = false;
    std::string context_symbols;
    std::string subtype;
  };
  bool match(const std::string& sig, std::size_t param, std::size_t pos, bool anchored,
             std::vector<std::pair<std::size_t, std::size_t>>& spans, std::size_t limit) const;
  std::string definition_;
  std::vector<Param> params_;
};

char type_symbol(const Value& v);

}  // namespace stepd::jsonata
