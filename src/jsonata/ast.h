#pragma once
// The syntax tree of a compiled expression: what parser.cpp builds (after
// jsonata-js's post-parse stage: paths flattened into steps, predicates
// into stages, tail calls into thunks, `%` resolved to ancestor slots) and
// evaluator.cpp walks. Immutable once compile() returns.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/jsonata/signature.h"
#include "src/jsonata/value.h"

namespace stepd::jsonata {

class Regex;

enum class NodeType : unsigned char {
  kPath, kBinary, kUnary, kName, kString, kNumber, kValue, kWildcard, kDescendant, kParent,
  kCondition, kBlock, kBind, kRegex, kFunction, kPartial, kVariable, kLambda, kApply,
  kTransform, kSort, kOperator, kEnd,
};

// Binary and unary operators, decoded once from their text.
enum class Op : unsigned char {
  kNone, kDot, kPlus, kMinus, kMul, kDiv, kMod, kEq, kNe, kLt, kLe, kGt, kGe, kConcat, kAnd, kOr,
  kIn, kRange, kArray, kObject, kNeg,
};

// Where a `%` finds its parent: the tuple binding labelled `label`.
struct Slot {
  std::string label;
  int level = 1;
  int index = 0;
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Stage {
  bool is_index = false;   // `#$i` binding, else a filter
  NodePtr expr;            // the filter
  std::string value;       // the index variable
  int position = 0;
};

struct SortTerm {
  bool descending = false;
  NodePtr expr;
};

struct Group {
  std::vector<std::pair<NodePtr, NodePtr>> pairs;
  int position = 0;
};

struct Node {
  NodeType type = NodeType::kEnd;
  Op op = Op::kNone;
  int position = 0;
  std::string value;  // name, variable, operator text, or string literal text
  Value literal;      // strings, numbers, true/false/null

  NodePtr lhs, rhs, expression, condition, then_, else_, pattern, update, del, procedure, body;
  std::vector<NodePtr> steps, expressions, arguments;
  std::vector<std::pair<NodePtr, NodePtr>> pairs;  // object constructor
  std::vector<SortTerm> terms;
  std::vector<Stage> stages;     // on a path step
  std::vector<Stage> predicate;  // on any other node
  std::unique_ptr<Group> group;

  bool keep_array = false;
  bool keep_singleton_array = false;
  bool consarray = false;
  bool tuple = false;
  bool thunk = false;
  bool has_focus = false;
  bool has_index = false;
  std::string focus;
  std::string index;
  std::shared_ptr<Slot> slot;      // `%`
  std::shared_ptr<Slot> ancestor;  // a step some `%` refers to
  bool seeking_parent_defined = false;
  std::vector<std::shared_ptr<Slot>> seeking_parent;

  std::shared_ptr<const Signature> signature;
  std::shared_ptr<const Regex> regex;
  std::vector<std::string> params;  // lambda parameter names (without $)
};

// Parses and post-processes text. Throws Error on a syntax error.
NodePtr parse(std::string_view text);

}  // namespace stepd::jsonata
