#pragma once
// Field values of JSONata mode: Arguments, Output, Assign, ItemSelector,
// Items, Condition, and the scalar fields that may be expressions
// (TimeoutSeconds, Seconds, Timestamp, Error, Cause, MaxConcurrency...).
//
// A value is compiled once: every string "{% ... %}", at any depth inside
// objects and arrays, becomes a compiled JSONata expression; everything
// else is a literal. Evaluation replaces each expression by its result.
// Immutable and safe to share between threads.

#include <memory>
#include <string>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/jsonata/jsonata.h"

namespace stepd::asl {

namespace bj = boost::json;

// Whether v is a string of the form "{% ... %}".
bool is_jsonata_expression(const bj::value& v);

class JsonataValue {
 public:
  // Compiles a field value. Fails with kInvalidArgument naming the
  // expression whose text does not parse (with the JSONata code).
  static Result<JsonataValue> compile(const bj::value& v);

  // The filled-in value. `field` is the field's name as AWS reports it
  // ("Output", "Arguments", "Items"...); members below it add "/key".
  // Failures: Status::failed("States.QueryEvaluationError", <AWS's text
  // without the state prefix>), and *location (when given) names the field
  // whose expression failed, e.g. "Output/result":
  //   The JSONata expression '<expr>' specified for the field '<loc>'
  //   returned nothing (undefined).
  //   ... threw an error during evaluation. <code>: <message>
  Result<bj::value> eval(const jsonata::Bindings& bindings, const jsonata::Options& options, const std::string& field,
                         std::string* location = nullptr) const;

  // True when the value holds no expression.
  bool is_constant() const;
  // True when some expression's text mentions `word` (a cheap test used to
  // skip building $states.context when nothing reads it).
  bool mentions(std::string_view word) const;
  // True when some expression uses `name` (e.g. "$states") other than
  // through a `.member` step: as a whole value, or with a dynamic key.
  bool uses_whole(std::string_view name) const;
  // The text of the value when it is one expression ("" otherwise): what
  // AWS quotes in its messages about the whole field.
  const std::string& expression_text() const;

  struct Node;  // defined in jsonata_value.cpp

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace stepd::asl
