#pragma once
// Evaluation of parsed segments the way Jayway JsonPath 2.x does it, token
// by token, with Jayway's messages. Internal to src/jsonpath. Pure functions
// over their arguments: safe from any thread.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "src/jsonpath/segment.h"

namespace stepd::jsonpath::internal {

// The node a path of single names and single indexes names in doc, or
// nullptr. Allocates nothing. REQUIRES: simple_definite(segs).
const bj::value* find_simple(const std::vector<Segment>& segs, const bj::value& doc);

// What JsonPath.read gives: a Jayway-definite path yields its node (or fails
// with a PathNotFoundException message); an indefinite one yields an array of
// matches (or fails where Jayway would throw on its definite prefix).
struct Outcome {
  bool ok = true;
  bj::value value;
  std::string error;  // when !ok: Jayway's message
};

// Evaluates segs on doc; `root` is what `$` means inside filters. `require`
// is Jayway's REQUIRE_PROPERTIES option: every missing property fails.
Outcome evaluate(const std::vector<Segment>& segs, const bj::value& doc, const bj::value& root, bool require);

// Jayway's path text from segment `from` on (with "$" when from is 0):
// $['a'][0][*]..['b'][?].length()
std::string jayway_text(const std::vector<Segment>& segs, std::size_t from = 0);
// Jayway's evaluation path up to (not including) segment i: $['a'][0].
std::string eval_path(const std::vector<Segment>& segs, std::size_t i);

// Compiles a filter's `/regex/`; nullptr when the expression is invalid.
std::shared_ptr<const Pattern> compile_pattern(const std::string& regex, bool ignore_case);

}  // namespace stepd::jsonpath::internal
