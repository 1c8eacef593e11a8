#pragma once
// JSONPath as AWS Step Functions evaluates it (Jayway JsonPath semantics).
//
// A Path is parsed once (when a definition is compiled) and evaluated many
// times. Three roots: `$` (the state's input), `$$` (the context object) and
// `$name` (the workflow variable `name`). Parsed Paths are immutable and safe
// to share between threads.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "src/common/status.h"

namespace stepd::jsonpath {

namespace bj = boost::json;

// The documents a path may start from. Implemented by the engine.
class Documents {
 public:
  virtual ~Documents() = default;
  virtual const bj::value& input() const = 0;    // `$`
  virtual const bj::value& context() const = 0;  // `$$`
  // The variable `name` (`$name`), or nullptr when no such variable is visible.
  virtual const bj::value* variable(std::string_view name) const = 0;
};

// Documents over one plain value for `$` (and an empty context, no variables).
class InputOnly : public Documents {
 public:
  explicit InputOnly(const bj::value& input) : input_(input) {}
  const bj::value& input() const override { return input_; }
  const bj::value& context() const override;
  const bj::value* variable(std::string_view) const override { return nullptr; }

 private:
  const bj::value& input_;
};

enum class Root : unsigned char { kInput, kContext, kVariable };

struct Segment;  // one step of a path; defined in jsonpath.cpp

class Path {
 public:
  // Parses `text`: `$`, `$.a.b`, `$['a b']`, `$.a[0]`, `$.a[-1]`, `$.a[*]`,
  // `$.a[1:3]`, `$.a[0,2]`, `$..x`, `$.a[?(@.x > 1)]`, `$$.Execution.Id`,
  // `$var.field`. Errors describe the problem (Status kInvalidArgument).
  static Result<Path> parse(std::string_view text);

  const std::string& text() const { return text_; }
  Root root() const { return root_; }
  // The variable name when root() == kVariable.
  const std::string& variable() const { return variable_; }
  // True when every segment is a plain name or a non-negative index: an ASL
  // Reference Path (usable as ResultPath, ItemsPath, Choice Variable...).
  bool is_reference() const { return reference_; }
  // True when the path names at most one node (no wildcard, slice, union,
  // filter or recursive descent). Indefinite paths yield arrays.
  bool is_definite() const { return definite_; }
  // True for the bare root (`$`, `$$` or `$name`).
  bool is_root() const;

  // Evaluates against the document chosen by root(). A definite path yields
  // the one node it names; an indefinite path yields an array of every match
  // in document order (possibly empty). A definite path that does not
  // resolve fails with Status kNotFound and Jayway's message, e.g.
  // "No results for path: $['a']" or "Missing property in path $['a']".
  Result<bj::value> eval(const Documents& docs) const;
  // The node a definite path names, without copying; nullptr when it does
  // not resolve or the path is indefinite. The pointer lives as long as docs.
  const bj::value* find(const Documents& docs) const;
  // Both of the above against one document given directly as the root.
  Result<bj::value> eval_on(const bj::value& root) const;
  const bj::value* find_on(const bj::value& root) const;

  // Writes v at this path inside doc, creating intermediate objects (ASL
  // ResultPath). REQUIRES: is_reference() and root() == kInput. `$` replaces
  // doc. Fails with kNotFound when an intermediate node is not an object (or
  // the index is out of range of an array).
  Status assign(bj::value& doc, bj::value v) const;

 private:
  std::string text_;
  Root root_ = Root::kInput;
  std::string variable_;
  bool reference_ = true;
  bool definite_ = true;
  std::shared_ptr<const std::vector<Segment>> segments_;
};

}  // namespace stepd::jsonpath
