#pragma once
// The JSONPath grammar AWS accepts, as Jayway's PathCompiler and
// FilterCompiler read it, plus the `$$` and `$name` roots of Step Functions.
// Internal to src/jsonpath. Pure: safe from any thread.

#include <string>
#include <string_view>
#include <vector>

#include "src/common/status.h"
#include "src/jsonpath/segment.h"

namespace stepd::jsonpath::internal {

// A path text taken apart.
struct ParsedPath {
  Root root = Root::kInput;
  std::string variable;       // when root == kVariable
  std::vector<Segment> segs;  // upstream_definite already set
};

// Errors: kInvalidArgument, "invalid JSONPath '<text>': <why> at position <n>".
Result<ParsedPath> parse_path(std::string_view text);

}  // namespace stepd::jsonpath::internal
