#pragma once
// Payload templates of JSONPath mode: Parameters, ResultSelector,
// ItemSelector, Assign, Credentials, and the dynamic single values of
// ErrorPath / CausePath.
//
// A template is compiled once: keys ending in `.$` become a path (`$`, `$$`,
// `$var`) or an intrinsic call and are renamed without the suffix; other
// values are literals. Evaluation fills in the dynamic parts. Immutable and
// safe to share between threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/intrinsics/intrinsics.h"
#include "src/jsonpath/jsonpath.h"

namespace stepd::asl {

namespace bj = boost::json;

class Template {
 public:
  // Compiles a template value (normally an object). Fails with
  // kInvalidArgument naming the key whose `.$` value is neither a path nor an
  // intrinsic call.
  static Result<Template> compile(const bj::value& v);
  // Compiles the string value of one `.$` key (or ErrorPath/CausePath): a
  // path or an intrinsic call.
  static Result<Template> compile_dynamic(const std::string& text);

  // The filled-in value. A path that does not resolve fails with
  // Status::failed("States.Runtime", "The JSONPath '<p>' specified for the
  // field '<key>' could not be found in the input '<input>'"); an intrinsic
  // failure is passed on as States.IntrinsicFailure.
  Result<bj::value> eval(const jsonpath::Documents& docs,
                         const std::function<std::uint64_t()>& entropy) const;

  // True when the template holds no path and no call (a constant).
  bool is_constant() const;

  struct Node;  // defined in template.cpp

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace stepd::asl
