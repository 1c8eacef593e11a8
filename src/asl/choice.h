#pragma once
// Choice Rules of JSONPath mode: data-test expressions (Variable + one of the
// 39 comparison operators) and the boolean combinators And / Or / Not.
//
// Compiled once with the definition; evaluated against jsonpath::Documents
// so `Variable` and `...Path` operands may start at `$`, `$$` or `$var`.
// Compiled rules are immutable and safe to share between threads.

#include <memory>
#include <string>

#include <boost/json/object.hpp>

#include "src/common/status.h"
#include "src/jsonpath/jsonpath.h"

namespace stepd::asl {

namespace bj = boost::json;

class ChoiceRule;  // defined in choice.cpp

// Compiles one rule object. `Next` and `Assign` (top-level rule fields) are
// ignored here; the caller reads them. Any other unknown field, a rule with
// no operator or two operators, a bad path or an operand of the wrong type
// fails with kInvalidArgument; the message names the offending field.
Result<std::shared_ptr<const ChoiceRule>> compile_choice_rule(const bj::object& rule);

// Whether the rule matches. Operands of the wrong type make a comparison
// false (as AWS does); IsPresent is false for a path that does not resolve.
// A Variable (or ...Path operand) that does not resolve fails with
// Status::failed("States.Runtime", <AWS's message>).
Result<bool> matches(const ChoiceRule& rule, const jsonpath::Documents& docs);

}  // namespace stepd::asl
