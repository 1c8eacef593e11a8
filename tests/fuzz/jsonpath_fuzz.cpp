// libFuzzer target: JSONPath (src/jsonpath) parsed, evaluated, found and,
// for reference paths, assigned (ResultPath) against a small fixed
// document, its context object and one variable.
//
// Input: the path text.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/parse.hpp>

#include "src/jsonpath/jsonpath.h"

using namespace stepd;

namespace {

namespace bj = boost::json;

class Docs : public jsonpath::Documents {
 public:
  Docs()
      : input_(bj::parse(R"({"a": 1, "b": [1, 2, 3, {"c": "d"}], "s": "str", "n": null,
          "o": {"x": {"y": 2, "z": [4, 5, 6]}, "w": "text", "a b": 3, "": 0},
          "items": [{"k": "a", "v": 1, "p": 10.5}, {"k": "b", "v": 2}, {"k": "a", "v": -3, "q": [true]}]})")),
        context_(bj::parse(R"({"Execution": {"Id": "arn:x", "Input": {"a": 1}, "Name": "n"},
          "State": {"Name": "S", "RetryCount": 0}, "Map": {"Item": {"Index": 2, "Value": [1]}}})")),
        var_(bj::parse(R"({"v": [1, {"w": 2}], "u": "x"})")) {}
  const bj::value& input() const override { return input_; }
  const bj::value& context() const override { return context_; }
  const bj::value* variable(std::string_view name) const override { return name == "var" ? &var_ : nullptr; }

  const bj::value input_, context_, var_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;
  static const Docs docs;
  auto path = jsonpath::Path::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!path.ok()) return 0;
  (void)path->eval(docs);
  (void)path->find(docs);
  (void)path->eval_on(docs.input_);
  if (path->is_reference() && path->root() == jsonpath::Root::kInput) {
    bj::value copy = docs.input_;
    (void)path->assign(copy, bj::value(7));
  }
  return 0;
}
