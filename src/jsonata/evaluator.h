#pragma once
// The tree-walking evaluator: jsonata-js's evaluate() and friends
// (src/jsonata.js), ported function for function so that sequences,
// singleton flattening, tuple streams and error codes behave the same.
// One Evaluator per evaluation; it is not shared between threads.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/jsonata/ast.h"
#include "src/jsonata/error.h"
#include "src/jsonata/function.h"
#include "src/jsonata/jsonata.h"
#include "src/jsonata/value.h"

namespace stepd::jsonata {

struct Bindings::Impl {
  std::vector<std::pair<std::string, std::shared_ptr<boost::json::value>>> owned;
  std::vector<std::pair<std::string, const boost::json::value*>> variables;
  std::vector<std::pair<std::string, Value>> functions;  // kHost function values
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> refused;
};

class Evaluator {
 public:
  Evaluator(const Options& options, const Bindings::Impl& bindings);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Evaluates a whole expression against the caller's input.
  Value run(const Node& root, const Value& input);

  Value eval(const Node& expr, const Value& input, const FramePtr& env);
  // Applies a function value (tail calls trampolined).
  Value apply(const Value& proc, std::vector<Value>& args, const Value& input, const FramePtr& env);
  // Calls fn with args as the higher-order built-ins do.
  Value call(const Value& fn, std::vector<Value> args);
  // jsonata-js's getFunctionArity.
  int arity(const Value& fn) const;
  Value lookup(const FramePtr& env, std::string_view name) const;

  // The match protocol of $match/$replace/$split/$contains, for a regex or
  // a custom matcher function. Offsets are UTF-8 byte offsets into str.
  struct MatchState {
    bool found = false;
    std::size_t start = 0, end = 0;
    std::string match;
    std::vector<Value> groups;
    Value next;  // custom matchers: the `next` function
  };
  MatchState first_match(const Value& matcher, std::string_view str);
  MatchState next_match(const Value& matcher, std::string_view str, const MatchState& prev);

  const Options& options() const { return options_; }
  // Parsed $eval expressions stay alive for the whole evaluation.
  std::vector<NodePtr>& eval_asts() { return eval_asts_; }
  FramePtr root_frame() const { return root_; }
  // Keeps a host function's result alive for the rest of the evaluation.
  const boost::json::value& keep(boost::json::value v) {
    kept_.push_back(std::make_unique<boost::json::value>(std::move(v)));
    return *kept_.back();
  }
  // The sequence cap: none (jsonata-js's options.sequence is unset).
  [[noreturn]] void refuse(const std::string& code, const std::string& message);
  // Throws U1001 once the time limit has passed.
  void check_time();

 private:
  void enter();
  void leave();

  Value eval_path(const Node& expr, const Value& input, const FramePtr& env);
  Value eval_step(const Node& step, const Value& input, bool single, const FramePtr& env, bool last,
                  bool* single_out);
  Value eval_tuple_step(const Node& step, const Value& input, const Value& tuples, const FramePtr& env);
  Value eval_stages(const std::vector<Stage>& stages, Value input, const FramePtr& env);
  Value eval_filter(const Node& pred, const Value& input, const FramePtr& env);
  Value eval_binary(const Node& expr, const Value& input, const FramePtr& env);
  Value eval_unary(const Node& expr, const Value& input, const FramePtr& env);
  Value eval_group(const std::vector<std::pair<NodePtr, NodePtr>>& pairs, int position, const Value& input,
                   const FramePtr& env);
  Value eval_sort(const Node& expr, const Value& input, const FramePtr& env);
  Value eval_function(const Node& expr, const Value& input, const FramePtr& env, const Value* applyto);
  Value eval_partial(const Node& expr, const Value& input, const FramePtr& env);
  Value eval_procedure(const Node& expr, const Value& input, const FramePtr& env, const char* code);
  Value eval_apply(const Node& expr, const Value& input, const FramePtr& env);
  Value apply_inner(const Value& proc, std::vector<Value>& args, const Value& input, const FramePtr& env);
  Value apply_transform(const FunctionHeap& f, std::vector<Value>& args);
  FramePtr frame_from_tuple(const FramePtr& env, const Value& tuple);

  const Options& options_;
  const Bindings::Impl& bindings_;
  FramePtr root_;
  int depth_ = 0;
  int max_depth_;
  std::uintptr_t stack_base_ = 0;  // the native stack where the evaluation began
  std::uintptr_t stack_limit_ = 0;
  std::uint32_t ticks_ = 0;
  std::int64_t started_ms_ = 0;
  std::vector<NodePtr> eval_asts_;
  std::vector<std::unique_ptr<boost::json::value>> kept_;
  std::vector<FramePtr> bound_frames_;
  Evaluator* previous_ = nullptr;
  static constexpr std::size_t kMaxRangeItems = 20'000'000;
  std::size_t range_items_ = 0;  // items all `..` ranges of this evaluation made  // the evaluation this one runs inside, if any  // frames that := bound a function in
};

// Helpers shared with the built-ins.
Value make_seq(Value v);
Value append(const Value& a, const Value& b);
Value lookup_key(const Value& input, std::string_view key);
bool to_boolean(const Value& v, bool* defined = nullptr);
bool is_numeric(const Value& v);  // throws D1001 for infinities
std::string value_json(const Value& v);
// jsonata-js's $string.
std::string to_js_string(const Value& v, bool pretty = false);
[[noreturn]] void fail_value(const char* code, const Value& v, int index = 0);

}  // namespace stepd::jsonata
