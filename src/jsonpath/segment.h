#pragma once
// The parsed form of a JSONPath, shared by parser.cpp, evaluator.cpp and
// jsonpath.cpp; nothing outside src/jsonpath includes it. One Segment per
// Jayway path token, plus the syntax tree of filter expressions.
// Immutable once parsed: safe to share between threads.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "src/jsonpath/jsonpath.h"

namespace stepd::jsonpath {

namespace internal {
struct Expr;
struct Pattern;  // a compiled `/regex/`; defined in evaluator.cpp
enum class Fn : unsigned char { kLength, kSum, kAvg, kMin, kMax, kStddev, kKeys };
}  // namespace internal

// One step of a parsed path: one Jayway path token.
struct Segment {
  enum class Kind : unsigned char {
    kName,      // ['a'] or .a
    kNames,     // ['a','b']
    kIndex,     // [0], [-1]
    kIndexes,   // [0,2]
    kSlice,     // [1:3], [:2], [-2:]
    kWildcard,  // .* or [*]
    kScan,      // ..
    kFilter,    // [?(...)]
    kFunction,  // .length()
  };
  Kind kind = Kind::kName;
  char quote = '\'';               // delimiter written in brackets; Jayway echoes it in path texts
  bool upstream_definite = true;   // every earlier segment names one node (Jayway isUpstreamDefinite)
  bool has_from = false;           // kSlice
  bool has_to = false;             // kSlice
  internal::Fn fn = internal::Fn::kLength;
  std::int64_t index = 0;          // kIndex; kSlice start
  std::int64_t to = 0;             // kSlice end
  std::string name;                // kName; kFunction's name
  std::vector<std::string> names;  // kNames
  std::vector<std::int64_t> indexes;  // kIndexes
  std::shared_ptr<const internal::Expr> filter;  // kFilter
};

namespace internal {

using Kind = Segment::Kind;

enum class Op : unsigned char {
  kEq, kNe, kTsEq, kTsNe, kLt, kLe, kGt, kGe, kRegex,
  kIn, kNin, kAll, kSubsetOf, kAnyOf, kNoneOf, kSize, kEmpty, kContains,
};

// A path inside a filter: relative to the current item (`@`) or to the
// document the whole path is evaluated on (`$`).
struct SubPath {
  bool relative = true;
  bool simple = true;  // only single names and single indexes: resolvable in place
  std::vector<Segment> segs;
};

// One side of a filter comparison (Jayway's ValueNode before evaluation).
struct Operand {
  enum class Kind : unsigned char { kLiteral, kPath, kPattern };
  Kind kind = Kind::kLiteral;
  bj::value literal;
  SubPath path;
  std::shared_ptr<const Pattern> pattern;
};

// A filter expression: `||`, `&&`, `!`, an existence check or a comparison.
struct Expr {
  enum class Kind : unsigned char { kOr, kAnd, kNot, kExists, kCompare };
  Kind kind = Kind::kExists;
  std::vector<Expr> children;  // kOr, kAnd, kNot
  Op op = Op::kEq;
  Operand left, right;  // kExists uses left.path
};

// Jayway's isTokenDefinite(): the segment yields at most one node.
inline bool token_definite(const Segment& s, bool leaf) {
  switch (s.kind) {
    case Kind::kName:
    case Kind::kIndex:
    case Kind::kFunction:
      return true;
    case Kind::kNames:
      return leaf;  // a leaf union merges into one object (multiPropertyMergeCase)
    default:
      return false;
  }
}

// Only single names and single indexes: the node can be found in place.
inline bool simple_definite(const std::vector<Segment>& segs) {
  for (const Segment& s : segs) {
    if (s.kind != Kind::kName && s.kind != Kind::kIndex) return false;
  }
  return true;
}

// Jayway's isPathDefinite(): JsonPath.read yields the node itself, not a list.
inline bool jayway_definite(const std::vector<Segment>& segs) {
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (!token_definite(segs[i], i + 1 == segs.size())) return false;
  }
  return true;
}

// `$..x.sum()`: Jayway rewrites it as `$.sum($..x)` (ScannerFunctionInverter),
// so the function sees every match at once.
inline bool scan_function(const std::vector<Segment>& segs) {
  return segs.size() >= 2 && segs.front().kind == Kind::kScan && segs.back().kind == Kind::kFunction;
}

}  // namespace internal
}  // namespace stepd::jsonpath
