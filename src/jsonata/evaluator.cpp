#include "src/jsonata/evaluator.h"

#include <cmath>

#include "src/jsonata/regex.h"
#include "src/jsonata/sort.h"

namespace stepd::jsonata {

// ---- helpers ----

Value make_seq(Value v) {
  auto s = new_sequence();
  s->items.push_back(std::move(v));
  return Value::array(std::move(s));
}

namespace {
bool is_integer(double d) { return std::isfinite(d) && std::trunc(d) == d; }

// Strict equality (===): values for scalars, identity for the rest.
bool strict_equal(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::kUndefined:
    case Type::kNull: return true;
    case Type::kBool: return a.as_bool() == b.as_bool();
    case Type::kNumber: return a.as_number() == b.as_number();
    case Type::kString: return a.str() == b.str();
    default:
      if (a.owned() || b.owned()) return a.heap() == b.heap();
      return a.json() == b.json();
  }
}

void flatten_into(const Value& v, ArrayHeap& out) {
  poll_guard();
  if (v.is_array()) {
    for (std::size_t i = 0, n = v.size(); i < n; ++i) flatten_into(v.at(i), out);
  } else {
    out.items.push_back(v);
  }
}

void descendants(const Value& v, ArrayHeap& out) {
  poll_guard();
  if (!v.is_array()) out.items.push_back(v);
  if (v.is_array()) {
    for (std::size_t i = 0, n = v.size(); i < n; ++i) descendants(v.at(i), out);
  } else if (v.is_object()) {
    for (std::size_t i = 0, n = v.obj_size(); i < n; ++i) descendants(v.value_at(i), out);
  }
}

}  // namespace

Value lookup_key(const Value& input, std::string_view key) {
  poll_guard();
  if (input.is_array()) {
    auto result = new_sequence();
    for (std::size_t i = 0, n = input.size(); i < n; ++i) {
      Value res = lookup_key(input.at(i), key);
      if (res.undefined()) continue;
      if (res.is_array()) {
        for (std::size_t k = 0, m = res.size(); k < m; ++k) result->items.push_back(res.at(k));
      } else {
        result->items.push_back(std::move(res));
      }
    }
    return Value::array(std::move(result));
  }
  if (input.is_object()) return input.get(key);
  return Value();
}

Value append(const Value& a, const Value& b) {
  if (a.undefined()) return b;
  if (b.undefined()) return a;
  auto out = new_array();
  if (a.is_array()) {
    std::size_t n = a.size();
    out->items.reserve(n + (b.is_array() ? b.size() : 1));
    for (std::size_t i = 0; i < n; ++i) out->items.push_back(a.at(i));
  } else {
    out->items.push_back(a);
  }
  if (b.is_array()) {
    for (std::size_t i = 0, n = b.size(); i < n; ++i) out->items.push_back(b.at(i));
  } else {
    out->items.push_back(b);
  }
  return Value::array(std::move(out));
}

bool is_numeric(const Value& v) {
  if (!v.is_number()) return false;
  double d = v.as_number();
  if (std::isnan(d)) return false;
  if (!std::isfinite(d)) {
    Error e;
    e.code = "D1001";
    e.value = d > 0 ? "Infinity" : "-Infinity";
    throw e;
  }
  return true;
}

bool to_boolean(const Value& v, bool* defined) {
  if (defined) *defined = !v.undefined();
  switch (v.type()) {
    case Type::kUndefined:
    case Type::kNull:
    case Type::kFunction: return false;
    case Type::kBool: return v.as_bool();
    case Type::kString: return !v.str().empty();
    case Type::kNumber: return is_numeric(v) && v.as_number() != 0;
    case Type::kObject: return v.obj_size() > 0;
    case Type::kArray: {
      std::size_t n = v.size();
      if (n == 1) return to_boolean(v.at(0));
      for (std::size_t i = 0; i < n; ++i)
        if (to_boolean(v.at(i))) return true;
      return false;
    }
  }
  return false;
}

std::string value_json(const Value& v) {
  std::string s;
  if (v.is_number() && !std::isfinite(v.as_number())) return js_number_to_string(v.as_number());
  stringify(v, s);
  return s;
}

[[noreturn]] void fail_value(const char* code, const Value& v, int index) {
  Error e;
  e.code = code;
  if (!v.undefined()) e.value = value_json(v);
  e.index = index;
  throw e;
}

std::string to_js_string(const Value& v, bool pretty) {
  if (v.is_string()) return std::string(v.str());
  if (v.is_function()) return "";
  if (v.is_number() && !std::isfinite(v.as_number())) fail_value("D3001", v);
  std::string out;
  if (v.is_array() && v.outer_wrapper() && v.size() > 0) {
    stringify(v.at(0), out, pretty, 0, true);
  } else {
    stringify(v, out, pretty, 0, true);
  }
  return out;
}

// ---- the evaluator ----

namespace {
thread_local Evaluator* g_current = nullptr;  // the evaluation running on this thread
thread_local std::uint32_t g_polls = 0;
}  // namespace

void poll_guard() {
  if ((++g_polls & 4095) == 0 && g_current) g_current->check_time();
}

Evaluator::Evaluator(const Options& options, const Bindings::Impl& bindings)
    : options_(options), bindings_(bindings) {
  max_depth_ = options.max_depth > 0 ? options.max_depth : kDefaultMaxDepth;
  stack_limit_ = options.max_stack_bytes;
  previous_ = g_current;
  g_current = this;
  char probe = 0;
  stack_base_ = reinterpret_cast<std::uintptr_t>(&probe);
  if (options.time_limit_ms > 0 && options.clock_ms) started_ms_ = options.clock_ms();
}

Evaluator::~Evaluator() {
  g_current = previous_;
  for (auto& f : bound_frames_) f->vars.clear();
  if (root_) root_->vars.clear();
}

void Evaluator::check_time() {
  if (options_.time_limit_ms > 0 && options_.clock_ms && options_.clock_ms() - started_ms_ > options_.time_limit_ms) {
    Error e;
    e.code = "U1001";
    e.message = "Expression evaluation timeout: Check for infinite loop";
    throw e;
  }
}

inline void Evaluator::enter() {
  char probe = 0;
  std::uintptr_t here = reinterpret_cast<std::uintptr_t>(&probe);
  if (++depth_ > max_depth_ || (stack_base_ > here && stack_base_ - here > stack_limit_)) {
    Error e;
    e.code = "U1001";
    e.message = "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.";
    throw e;
  }
  if ((++ticks_ & 255) == 0) check_time();
}

inline void Evaluator::leave() { --depth_; }

void Evaluator::refuse(const std::string& code, const std::string& message) {
  Error e;
  e.code = code;
  e.message = message;
  throw e;
}

Value Evaluator::run(const Node& root, const Value& input) {
  root_ = std::make_shared<Frame>();
  for (const auto& [name, v] : bindings_.variables) root_->bind(name, Value::borrow(*v));
  root_->bind("$", input);
  Value in = input;
  if (in.is_array() && !in.sequence()) {
    auto s = new_sequence();
    s->items.push_back(in);
    s->outer_wrapper = true;
    in = Value::array(std::move(s));
  }
  return eval(root, in, root_);
}

Value Evaluator::lookup(const FramePtr& env, std::string_view name) const {
  if (const Value* v = env->lookup(name)) return *v;
  for (const auto& [n, f] : bindings_.functions)
    if (n == name) return f;
  if (const Builtin* b = find_builtin(name)) {
    // built-in function values are made once per thread
    static thread_local std::vector<Value> cache(builtin_count());
    Value& v = cache[builtin_index(b)];
    if (v.undefined()) {
      auto f = std::make_shared<FunctionHeap>();
      f->kind = FnKind::kNative;
      f->builtin = b;
      f->signature = b->signature;
      f->name = b->name;
      v = Value::function(std::move(f));
    }
    return v;
  }
  return Value();
}

Value Evaluator::eval(const Node& expr, const Value& input, const FramePtr& env) {
  enter();
  Value result;
  switch (expr.type) {
    case NodeType::kPath: result = eval_path(expr, input, env); break;
    case NodeType::kBinary: result = eval_binary(expr, input, env); break;
    case NodeType::kUnary: result = eval_unary(expr, input, env); break;
    case NodeType::kName:
      if (input.is_object()) result = input.get(expr.value);
      else if (input.is_array()) result = lookup_key(input, expr.value);
      break;
    case NodeType::kString:
    case NodeType::kNumber:
    case NodeType::kValue: result = expr.literal; break;
    case NodeType::kWildcard: {
      auto results = new_sequence();
      Value in = input;
      if (in.is_array() && in.outer_wrapper() && in.size() > 0) in = in.at(0);
      Value acc = Value::array(results);
      auto add = [&](const Value& value) {
        if (value.is_array()) {
          auto flat = new_array();
          flatten_into(value, *flat);
          acc = append(acc, Value::array(std::move(flat)));
        } else {
          acc.arr()->items.push_back(value);  // acc may be a plain array by now, as in jsonata-js
        }
      };
      if (in.is_object()) {
        for (std::size_t i = 0, n = in.obj_size(); i < n; ++i) add(in.value_at(i));
      } else if (in.is_array()) {
        for (std::size_t i = 0, n = in.size(); i < n; ++i) add(in.at(i));
      }
      result = acc;
      break;
    }
    case NodeType::kDescendant: {
      if (!input.undefined()) {
        auto seq = new_sequence();
        descendants(input, *seq);
        if (seq->items.size() == 1) result = seq->items[0];
        else result = Value::array(std::move(seq));
      }
      break;
    }
    case NodeType::kParent: {
      if (const Value* v = env->lookup(expr.slot->label)) result = *v;
      break;
    }
    case NodeType::kCondition: {
      Value cond = eval(*expr.condition, input, env);
      if (to_boolean(cond)) result = eval(*expr.then_, input, env);
      else if (expr.else_) result = eval(*expr.else_, input, env);
      break;
    }
    case NodeType::kBlock: {
      auto frame = std::make_shared<Frame>(env);
      for (const auto& e : expr.expressions) result = eval(*e, input, frame);
      break;
    }
    case NodeType::kBind: {
      result = eval(*expr.rhs, input, env);
      env->bind(expr.lhs->value, result);
      // a closure (or a value holding one) bound in a frame it captures is a
      // reference cycle: remember the frame so ~Evaluator can break it
      if (result.owned() && (bound_frames_.empty() || bound_frames_.back() != env)) bound_frames_.push_back(env);
      break;
    }
    case NodeType::kRegex: {
      auto f = std::make_shared<FunctionHeap>();
      f->kind = FnKind::kRegex;
      f->regex = expr.regex;
      result = Value::function(std::move(f));
      break;
    }
    case NodeType::kFunction: result = eval_function(expr, input, env, nullptr); break;
    case NodeType::kVariable:
      if (expr.value.empty()) {
        result = input.outer_wrapper() ? input.at(0) : input;
      } else {
        result = lookup(env, expr.value);
      }
      break;
    case NodeType::kLambda: {
      auto f = std::make_shared<FunctionHeap>();
      f->kind = FnKind::kLambda;
      f->body = expr.body.get();
      f->params = expr.params;
      f->input = input;
      f->env = env;
      f->thunk = expr.thunk;
      f->signature = expr.signature;
      result = Value::function(std::move(f));
      break;
    }
    case NodeType::kPartial: result = eval_partial(expr, input, env); break;
    case NodeType::kApply: result = eval_apply(expr, input, env); break;
    case NodeType::kTransform: {
      auto f = std::make_shared<FunctionHeap>();
      f->kind = FnKind::kTransform;
      f->node = &expr;
      f->env = env;
      static const std::shared_ptr<const Signature> kTransformSignature = Signature::parse("<(oa):o>");
      f->signature = kTransformSignature;
      result = Value::function(std::move(f));
      break;
    }
    default: break;
  }
  for (const auto& stage : expr.predicate) result = eval_filter(*stage.expr, result, env);
  if (expr.type != NodeType::kPath && expr.group) result = eval_group(expr.group->pairs, expr.group->position, result, env);
  leave();
  if (result.is_array() && result.owned()) {
    ArrayHeap* a = result.arr();
    if (a->sequence && !a->tuple_stream) {
      if (expr.keep_array) a->keep_singleton = true;
      if (a->items.empty()) return Value();
      if (a->items.size() == 1 && !a->keep_singleton) return a->items[0];
    }
  }
  return result;
}

Value Evaluator::eval_path(const Node& expr, const Value& input, const FramePtr& env) {
  // The input sequence. `single` marks one non-array value standing for a
  // one-item sequence, which saves allocating sequences along a plain path
  // through objects.
  Value input_seq = input;
  bool single = !(input.is_array() && expr.steps[0]->type != NodeType::kVariable);
  Value result_seq;
  bool result_single = false;
  bool tuple_stream = false;
  Value tuples;
  std::size_t n = expr.steps.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Node& step = *expr.steps[i];
    if (step.tuple) tuple_stream = true;
    result_single = false;
    if (i == 0 && step.consarray) {
      result_seq = eval(step, single ? make_seq(input_seq) : input_seq, env);
    } else if (tuple_stream) {
      tuples = eval_tuple_step(step, single ? make_seq(input_seq) : input_seq, tuples, env);
    } else {
      result_seq = eval_step(step, input_seq, single, env, i == n - 1, &result_single);
    }
    if (!tuple_stream && (result_seq.undefined() || (!result_single && result_seq.is_array() && result_seq.size() == 0)))
      break;
    if (!step.has_focus) {
      input_seq = result_seq;
      single = result_single;
    }
  }
  if (tuple_stream) {
    result_single = false;
    if (expr.tuple) {
      result_seq = tuples;
    } else {
      auto s = new_sequence();
      for (std::size_t i = 0, m = tuples.size(); i < m; ++i) s->items.push_back(tuples.at(i).get("@"));
      result_seq = Value::array(std::move(s));
    }
  }
  if (result_single && (expr.keep_array || expr.keep_singleton_array)) {
    result_seq = make_seq(result_seq);
    result_single = false;
  }
  if (expr.keep_singleton_array && result_seq.is_array()) {
    if (result_seq.cons() && !result_seq.sequence()) result_seq = make_seq(result_seq);
    if (result_seq.owned()) result_seq.arr()->keep_singleton = true;
  }
  if (expr.group) {
    result_seq = eval_group(expr.group->pairs, expr.group->position, tuple_stream ? tuples : result_seq, env);
  }
  return result_seq;
}

Value Evaluator::eval_step(const Node& step, const Value& input, bool single, const FramePtr& env, bool last,
                           bool* single_out) {
  if (step.type == NodeType::kSort) {
    Value r = eval_sort(step, single ? make_seq(input) : input, env);
    if (!step.stages.empty()) r = eval_stages(step.stages, r, env);
    return r;
  }
  std::size_t n = single ? 1 : input.size();
  // A plain field step on objects needs no full evaluate() per item.
  bool plain_name = step.type == NodeType::kName && step.stages.empty() && step.predicate.empty() && !step.group &&
                    !step.keep_array;
  if (n == 1) {
    // one item: no sequence unless the result is an array
    Value item = single ? input : input.at(0);
    Value res;
    if (plain_name && item.is_object()) {
      res = item.get(step.value);
    } else {
      res = eval(step, item, env);
      for (const auto& stage : step.stages) res = eval_filter(*stage.expr, res, env);
    }
    if (res.undefined()) return res;
    if (!res.is_array()) {
      *single_out = true;
      return res;
    }
    if (last && !res.sequence()) return res;
    if (res.cons()) return make_seq(res);
    auto out = new_sequence();
    out->items.reserve(res.size());
    for (std::size_t k = 0, m = res.size(); k < m; ++k) out->items.push_back(res.at(k));
    return Value::array(std::move(out));
  }
  auto out = new_sequence();
  out->items.reserve(n);
  Value first;
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Value item = input.at(i);
    Value res;
    if (plain_name && item.is_object()) {
      res = item.get(step.value);
    } else {
      res = eval(step, item, env);
      for (const auto& stage : step.stages) res = eval_filter(*stage.expr, res, env);
    }
    if (res.undefined()) continue;
    if (++count == 1) first = res;
    if (!res.is_array() || res.cons()) {
      out->items.push_back(std::move(res));
    } else {
      for (std::size_t k = 0, m = res.size(); k < m; ++k) out->items.push_back(res.at(k));
    }
  }
  if (last && count == 1 && first.is_array() && !first.sequence()) return first;
  return Value::array(std::move(out));
}

FramePtr Evaluator::frame_from_tuple(const FramePtr& env, const Value& tuple) {
  auto f = std::make_shared<Frame>(env);
  for (std::size_t i = 0, n = tuple.obj_size(); i < n; ++i) f->bind(tuple.key_at(i), tuple.value_at(i));
  return f;
}

Value Evaluator::eval_stages(const std::vector<Stage>& stages, Value input, const FramePtr& env) {
  Value result = std::move(input);
  for (const auto& stage : stages) {
    if (!stage.is_index) {
      result = eval_filter(*stage.expr, result, env);
    } else {
      for (std::size_t i = 0, n = result.size(); i < n; ++i) {
        Value tuple = result.at(i);
        if (tuple.is_object() && tuple.owned()) tuple.obj()->set(stage.value, Value::number(static_cast<double>(i)));
      }
    }
  }
  return result;
}

Value Evaluator::eval_tuple_step(const Node& step, const Value& input, const Value& tuples, const FramePtr& env) {
  if (step.type == NodeType::kSort) {
    Value result;
    if (!tuples.undefined()) {
      result = eval_sort(step, tuples, env);
    } else {
      Value sorted = eval_sort(step, input, env);
      auto s = new_sequence();
      s->tuple_stream = true;
      for (std::size_t i = 0, n = sorted.size(); i < n; ++i) {
        auto t = new_object();
        t->set("@", sorted.at(i));
        if (step.has_index) t->set(step.index, Value::number(static_cast<double>(i)));
        s->items.push_back(Value::object(std::move(t)));
      }
      result = Value::array(std::move(s));
    }
    if (!step.stages.empty()) result = eval_stages(step.stages, result, env);
    return result;
  }
  auto out = new_sequence();
  out->tuple_stream = true;
  Value bindings = tuples;
  if (bindings.undefined()) {
    auto s = new_array();
    for (std::size_t i = 0, n = input.size(); i < n; ++i) {
      auto t = new_object();
      t->set("@", input.at(i));
      s->items.push_back(Value::object(std::move(t)));
    }
    bindings = Value::array(std::move(s));
  }
  for (std::size_t e = 0, n = bindings.size(); e < n; ++e) {
    Value tuple_in = bindings.at(e);
    FramePtr step_env = frame_from_tuple(env, tuple_in);
    Value res = eval(step, tuple_in.get("@"), step_env);
    if (res.undefined()) continue;
    if (!res.is_array()) res = make_seq(res);
    bool res_tuples = res.tuple_stream();
    for (std::size_t b = 0, m = res.size(); b < m; ++b) {
      auto t = new_object();
      for (std::size_t k = 0, kn = tuple_in.obj_size(); k < kn; ++k) t->set(tuple_in.key_at(k), tuple_in.value_at(k));
      Value rb = res.at(b);
      if (res_tuples) {
        for (std::size_t k = 0, kn = rb.obj_size(); k < kn; ++k) t->set(rb.key_at(k), rb.value_at(k));
      } else {
        if (step.has_focus) {
          t->set(step.focus, rb);
          t->set("@", tuple_in.get("@"));
        } else {
          t->set("@", rb);
        }
        if (step.has_index) t->set(step.index, Value::number(static_cast<double>(b)));
        if (step.ancestor) t->set(step.ancestor->label, tuple_in.get("@"));
      }
      out->items.push_back(Value::object(std::move(t)));
    }
  }
  Value result = Value::array(std::move(out));
  if (!step.stages.empty()) result = eval_stages(step.stages, result, env);
  return result;
}

Value Evaluator::eval_filter(const Node& pred, const Value& input_in, const FramePtr& env) {
  auto results = new_sequence();
  if (input_in.tuple_stream()) results->tuple_stream = true;
  Value input = input_in.is_array() ? input_in : make_seq(input_in);
  std::size_t n = input.size();
  if (pred.type == NodeType::kNumber) {
    double idx = std::floor(pred.literal.as_number());
    if (idx < 0) idx = static_cast<double>(n) + idx;
    if (idx >= 0 && idx < static_cast<double>(n)) {
      Value item = input.at(static_cast<std::size_t>(idx));
      if (!item.undefined()) {
        if (item.is_array()) return item;
        results->items.push_back(std::move(item));
      }
    }
    return Value::array(std::move(results));
  }
  bool tuples = input.tuple_stream();
  for (std::size_t index = 0; index < n; ++index) {
    Value item = input.at(index);
    Value res;
    if (tuples) {
      FramePtr f = frame_from_tuple(env, item);
      res = eval(pred, item.get("@"), f);
    } else {
      res = eval(pred, item, env);
    }
    if (is_numeric(res)) res = make_seq(res);
    bool all_numbers = false;
    if (res.is_array()) {
      all_numbers = true;
      for (std::size_t k = 0, m = res.size(); k < m && all_numbers; ++k) all_numbers = is_numeric(res.at(k));
    }
    if (all_numbers) {
      for (std::size_t k = 0, m = res.size(); k < m; ++k) {
        double ii = std::floor(res.at(k).as_number());
        if (ii < 0) ii = static_cast<double>(n) + ii;
        if (ii == static_cast<double>(index)) results->items.push_back(item);
      }
    } else if (to_boolean(res)) {
      results->items.push_back(std::move(item));
    }
  }
  return Value::array(std::move(results));
}

namespace {
[[noreturn]] void op_error(const char* code, const Value* v, const Value* v2 = nullptr) {
  Error e;
  e.code = code;
  if (v && !v->undefined()) e.value = value_json(*v);
  if (v2 && !v2->undefined()) e.value2 = value_json(*v2);
  throw e;
}
}  // namespace

Value Evaluator::eval_binary(const Node& expr, const Value& input, const FramePtr& env) {
  Value lhs = eval(*expr.lhs, input, env);
  Op op = expr.op;
  if (op == Op::kAnd || op == Op::kOr) {
    try {
      bool l = to_boolean(lhs);
      if (op == Op::kAnd) return Value::boolean(l && to_boolean(eval(*expr.rhs, input, env)));
      return Value::boolean(l || to_boolean(eval(*expr.rhs, input, env)));
    } catch (Error& e) {
      e.position = expr.position;
      e.token = expr.value;
      throw;
    }
  }
  Value rhs = eval(*expr.rhs, input, env);
  try {
    switch (op) {
      case Op::kPlus:
      case Op::kMinus:
      case Op::kMul:
      case Op::kDiv:
      case Op::kMod: {
        if (!lhs.undefined() && !is_numeric(lhs)) op_error("T2001", &lhs);
        if (!rhs.undefined() && !is_numeric(rhs)) op_error("T2002", &rhs);
        if (lhs.undefined() || rhs.undefined()) return Value();
        double a = lhs.as_number(), b = rhs.as_number();
        switch (op) {
          case Op::kPlus: return Value::number(a + b);
          case Op::kMinus: return Value::number(a - b);
          case Op::kMul: return Value::number(a * b);
          case Op::kDiv: return Value::number(a / b);
          default: return Value::number(std::fmod(a, b));
        }
      }
      case Op::kEq:
      case Op::kNe: {
        if (lhs.undefined() || rhs.undefined()) return Value::boolean(false);
        bool eq = deep_equal(lhs, rhs);
        return Value::boolean(op == Op::kEq ? eq : !eq);
      }
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        bool lc = lhs.undefined() || lhs.is_string() || lhs.is_number();
        bool rc = rhs.undefined() || rhs.is_string() || rhs.is_number();
        if (!lc || !rc) {
          const Value& bad = !(lhs.is_string() || lhs.is_number()) ? lhs : rhs;
          op_error("T2010", &bad);
        }
        if (lhs.undefined() || rhs.undefined()) return Value();
        if (lhs.type() != rhs.type()) op_error("T2009", &lhs, &rhs);
        int c;
        if (lhs.is_number()) {
          double a = lhs.as_number(), b = rhs.as_number();
          switch (op) {
            case Op::kLt: return Value::boolean(a < b);
            case Op::kLe: return Value::boolean(a <= b);
            case Op::kGt: return Value::boolean(a > b);
            default: return Value::boolean(a >= b);
          }
        }
        c = lhs.str().compare(rhs.str());
        switch (op) {
          case Op::kLt: return Value::boolean(c < 0);
          case Op::kLe: return Value::boolean(c <= 0);
          case Op::kGt: return Value::boolean(c > 0);
          default: return Value::boolean(c >= 0);
        }
      }
      case Op::kConcat: {
        std::string s;
        if (!lhs.undefined()) s = to_js_string(lhs);
        if (!rhs.undefined()) s += to_js_string(rhs);
        return Value::string(std::move(s));
      }
      case Op::kRange: {
        if (!lhs.undefined() && !(lhs.is_number() && is_integer(lhs.as_number()))) op_error("T2003", &lhs);
        if (!rhs.undefined() && !(rhs.is_number() && is_integer(rhs.as_number()))) op_error("T2004", &rhs);
        if (lhs.undefined() || rhs.undefined()) return Value();
        double a = lhs.as_number(), b = rhs.as_number();
        if (a > b) return Value();
        double size = b - a + 1;
        if (size > 1e7) {
          Error e;
          e.code = "D2014";
          e.value = js_number_to_string(size);
          throw e;
        }
        // jsonata-js caps one range at 1e7 items; an evaluation as a whole
        // gets twice that, so nested ranges cannot exhaust memory.
        range_items_ += static_cast<std::size_t>(size);
        if (range_items_ > kMaxRangeItems) {
          Error e;
          e.code = "U1001";
          e.message = "Ranges in this evaluation allocated more than 20,000,000 items";
          throw e;
        }
        auto s = new_sequence();
        s->items.reserve(static_cast<std::size_t>(size));
        for (double x = a; x <= b; x += 1) s->items.push_back(Value::number(x));
        return Value::array(std::move(s));
      }
      case Op::kIn: {
        if (lhs.undefined() || rhs.undefined()) return Value::boolean(false);
        if (!rhs.is_array()) return Value::boolean(strict_equal(rhs, lhs));
        for (std::size_t i = 0, n = rhs.size(); i < n; ++i)
          if (strict_equal(rhs.at(i), lhs)) return Value::boolean(true);
        return Value::boolean(false);
      }
      default: return Value();
    }
  } catch (Error& e) {
    e.position = expr.position;
    e.token = expr.value;
    throw;
  }
}

Value Evaluator::eval_unary(const Node& expr, const Value& input, const FramePtr& env) {
  switch (expr.op) {
    case Op::kNeg: {
      Value r = eval(*expr.expression, input, env);
      if (r.undefined()) return r;
      if (is_numeric(r)) return Value::number(-r.as_number());
      Error e;
      e.code = "D1002";
      e.position = expr.position;
      e.token = "-";
      e.value = value_json(r);
      throw e;
    }
    case Op::kArray: {
      Value result = Value::array(new_array());
      for (const auto& item : expr.expressions) {
        Value v = eval(*item, input, env);
        if (v.undefined()) continue;
        if (item->type == NodeType::kUnary && item->op == Op::kArray) {
          note_child(result.arr()->nest, v);
          if (result.owned() && !result.arr()->sequence) result.arr()->items.push_back(std::move(v));
          else result = append(result, make_seq(v));
        } else {
          // append: a plain array grows in place (the result is ours alone)
          if (v.is_array()) {
            for (std::size_t i = 0, n = v.size(); i < n; ++i) {
              Value item = v.at(i);
              note_child(result.arr()->nest, item);
              result.arr()->items.push_back(std::move(item));
            }
          } else {
            note_child(result.arr()->nest, v);
            result.arr()->items.push_back(std::move(v));
          }
        }
      }
      if (expr.consarray) result.arr()->cons = true;
      return result;
    }
    case Op::kObject: return eval_group(expr.pairs, expr.position, input, env);
    default: return Value();
  }
}

namespace {
Value reduce_tuple_stream(const Value& stream) {
  if (!stream.is_array()) return stream;
  auto result = new_object();
  Value first = stream.at(0);
  for (std::size_t k = 0, n = first.obj_size(); k < n; ++k) result->set(first.key_at(k), first.value_at(k));
  for (std::size_t i = 1, n = stream.size(); i < n; ++i) {
    Value t = stream.at(i);
    for (std::size_t k = 0, kn = t.obj_size(); k < kn; ++k) {
      const Value* cur = result->find(t.key_at(k));
      result->set(t.key_at(k), append(cur ? *cur : Value(), t.value_at(k)));
    }
  }
  return Value::object(std::move(result));
}
}  // namespace

Value Evaluator::eval_group(const std::vector<std::pair<NodePtr, NodePtr>>& pairs, int position, const Value& input_in,
                            const FramePtr& env) {
  bool reduce = input_in.tuple_stream();
  std::vector<Value> items;
  if (input_in.is_array()) {
    items.reserve(input_in.size());
    for (std::size_t i = 0, n = input_in.size(); i < n; ++i) items.push_back(input_in.at(i));
  } else {
    items.push_back(input_in);
  }
  if (items.empty() && !reduce) items.emplace_back();
  struct Entry {
    Value data;
    std::size_t expr_index;
  };
  std::vector<std::pair<std::string, Entry>> groups;
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& item : items) {
    FramePtr item_env = reduce ? frame_from_tuple(env, item) : env;
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      Value key = eval(*pairs[p].first, reduce ? item.get("@") : item, item_env);
      if (key.undefined()) continue;
      if (!key.is_string()) {
        Error e;
        e.code = "T1003";
        e.position = position;
        e.value = value_json(key);
        throw e;
      }
      std::string_view k = key.str();
      std::size_t found = groups.size();
      if (groups.size() < 16) {
        for (std::size_t g = 0; g < groups.size(); ++g)
          if (groups[g].first == k) {
            found = g;
            break;
          }
      } else {
        if (index.empty())
          for (std::size_t g = 0; g < groups.size(); ++g) index.emplace(groups[g].first, g);
        auto it = index.find(std::string(k));
        if (it != index.end()) found = it->second;
      }
      if (found != groups.size()) {
        Entry& entry = groups[found].second;
        if (entry.expr_index != p) {
          Error e;
          e.code = "D1009";
          e.position = position;
          e.value = value_json(key);
          throw e;
        }
        entry.data = append(entry.data, item);
      } else {
        if (!index.empty()) index.emplace(std::string(k), groups.size());
        groups.push_back({std::string(k), Entry{item, p}});
      }
    }
  }
  auto result = new_object();
  result->entries.reserve(groups.size());
  for (auto& [key, entry] : groups) {
    Value context = entry.data;
    FramePtr genv = env;
    if (reduce) {
      Value tuple = reduce_tuple_stream(entry.data);
      context = tuple.get("@");
      tuple.obj()->erase("@");
      genv = frame_from_tuple(env, tuple);
    }
    Value v = eval(*pairs[entry.expr_index].second, context, genv);
    if (!v.undefined()) result->set(key, std::move(v));
  }
  return Value::object(std::move(result));
}

namespace {
}  // namespace

Value sort_values(Evaluator& ev, const Value& arr, const Value* comparator);

Value Evaluator::eval_sort(const Node& expr, const Value& input, const FramePtr& env) {
  bool tuple_sort = input.tuple_stream();
  std::vector<Value> items;
  if (input.is_array()) {
    for (std::size_t i = 0, n = input.size(); i < n; ++i) items.push_back(input.at(i));
  } else {
    items.push_back(input);
  }
  auto term_value = [&](const Node& term, const Value& v) {
    if (tuple_sort) {
      FramePtr f = frame_from_tuple(env, v);
      return eval(term, v.get("@"), f);
    }
    return eval(term, v, env);
  };
  auto swap = [&](const Value& a, const Value& b) {
    int comp = 0;
    for (std::size_t i = 0; comp == 0 && i < expr.terms.size(); ++i) {
      const auto& term = expr.terms[i];
      Value aa = term_value(*term.expr, a);
      Value bb = term_value(*term.expr, b);
      if (aa.undefined()) {
        comp = bb.undefined() ? 0 : 1;
        continue;
      }
      if (bb.undefined()) {
        comp = -1;
        continue;
      }
      bool aok = aa.is_string() || aa.is_number(), bok = bb.is_string() || bb.is_number();
      if (!aok || !bok) {
        Error e;
        e.code = "T2008";
        e.position = expr.position;
        e.value = value_json(!aok ? aa : bb);
        throw e;
      }
      if (aa.type() != bb.type()) {
        Error e;
        e.code = "T2007";
        e.position = expr.position;
        e.value = value_json(aa);
        e.value2 = value_json(bb);
        throw e;
      }
      if (aa.is_number()) {
        double x = aa.as_number(), y = bb.as_number();
        if (x == y) continue;
        comp = x < y ? -1 : 1;
      } else {
        int c = aa.str().compare(bb.str());
        if (c == 0) continue;
        comp = c < 0 ? -1 : 1;
      }
      if (term.descending) comp = -comp;
    }
    return comp == 1;
  };
  if (items.size() <= 1) return input;
  merge_sort(items, swap);
  auto out = new_array();
  out->items = std::move(items);
  // jsonata-js's sort returns a plain array; a tuple stream stays one
  out->tuple_stream = tuple_sort;
  out->sequence = tuple_sort;
  return Value::array(std::move(out));
}

int Evaluator::arity(const Value& fn) const {
  if (!fn.is_function()) return 0;
  const FunctionHeap& f = *fn.fn();
  switch (f.kind) {
    case FnKind::kLambda: return static_cast<int>(f.params.size());
    case FnKind::kNative: return f.builtin->arity;
    case FnKind::kPartialNative: {
      int n = 0;
      for (bool p : f.placeholder) n += p ? 1 : 0;
      return n;
    }
    case FnKind::kRegex: return 2;
    case FnKind::kTransform: return 1;
    case FnKind::kChain: return 1;
    case FnKind::kHost: return f.host_arity;
  }
  return 0;
}

// The name a call's procedure goes by in error tokens.
static const std::string& procedure_name(const Node& expr) {
  return expr.procedure->type == NodeType::kPath ? expr.procedure->steps[0]->value : expr.procedure->value;
}

// The procedure of a call or partial application. A path that names a
// variable holding no function (`$x.y()` style mistakes) fails with `code`.
Value Evaluator::eval_procedure(const Node& expr, const Value& input, const FramePtr& env, const char* code) {
  Value proc = eval(*expr.procedure, input, env);
  if (proc.undefined() && expr.procedure->type == NodeType::kPath) {
    const std::string& name = procedure_name(expr);
    if (!lookup(env, name).undefined()) {
      Error e;
      e.code = code;
      e.position = expr.position;
      e.token = name;
      throw e;
    }
  }
  return proc;
}

Value Evaluator::eval_function(const Node& expr, const Value& input, const FramePtr& env, const Value* applyto) {
  Value proc = eval_procedure(expr, input, env, "T1005");
  std::vector<Value> args;
  args.reserve(expr.arguments.size() + (applyto ? 1 : 0));
  if (applyto) args.push_back(*applyto);
  for (const auto& a : expr.arguments) args.push_back(eval(*a, input, env));
  try {
    return apply(proc, args, input, env);
  } catch (Error& e) {
    if (e.position < 0) e.position = expr.position;
    if (!e.token) e.token = procedure_name(expr);
    throw;
  }
}

Value Evaluator::apply(const Value& proc, std::vector<Value>& args, const Value& input, const FramePtr& env) {
  Value result = apply_inner(proc, args, input, env);
  while (result.is_function() && result.fn()->kind == FnKind::kLambda && result.fn()->thunk) {
    const FunctionHeap& t = *result.fn();
    const Node& call = *t.body;
    Value next = eval(*call.procedure, t.input, t.env);
    std::vector<Value> targs;
    targs.reserve(call.arguments.size());
    for (const auto& a : call.arguments) targs.push_back(eval(*a, t.input, t.env));
    const std::string& name =
        call.procedure->type == NodeType::kPath ? call.procedure->steps[0]->value : call.procedure->value;
    try {
      result = apply_inner(next, targs, input, env);
    } catch (Error& e) {
      if (e.position < 0) e.position = call.position;
      if (!e.token) e.token = name;
      throw;
    }
  }
  return result;
}

Value Evaluator::call(const Value& fn, std::vector<Value> args) {
  Value none;
  return apply(fn, args, none, root_);
}

namespace {
std::string utf16_to_byte_offset_str(std::string_view s, double units, std::size_t* out) {
  std::size_t u = 0, i = 0;
  while (i < s.size() && static_cast<double>(u) < units) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    u += len == 4 ? 2 : 1;
    i += len;
  }
  *out = std::min(i, s.size());
  return {};
}

Value regex_match_object(Evaluator& ev, const Value& fn, std::string_view s, std::size_t from);
}  // namespace

Value Evaluator::apply_inner(const Value& proc, std::vector<Value>& args_in, const Value& input, const FramePtr& env) {
  if (!proc.is_function()) {
    Error e;
    e.code = "T1006";
    throw e;
  }
  const FunctionHeap& f = *proc.fn();
  std::vector<Value> validated;
  std::vector<Value>* args = &args_in;
  if (f.signature) {
    validated = f.signature->validate(args_in, input);
    args = &validated;
  }
  switch (f.kind) {
    case FnKind::kLambda: {
      auto frame = std::make_shared<Frame>(f.env);
      for (std::size_t i = 0; i < f.params.size(); ++i) frame->bind(f.params[i], i < args->size() ? (*args)[i] : Value());
      return eval(*f.body, f.input, frame);
    }
    case FnKind::kNative: {
      for (const auto& [name, why] : bindings_.refused)
        if (name == f.builtin->name) refuse(why.first, why.second);
      Focus focus{input, env};
      return f.builtin->impl(*this, *args, focus);
    }
    case FnKind::kPartialNative: {
      std::vector<Value> full;
      std::size_t k = 0;
      for (std::size_t i = 0; i < f.bound.size(); ++i) {
        if (f.placeholder[i]) full.push_back(k < args->size() ? (*args)[k++] : Value());
        else full.push_back(f.bound[i]);
      }
      while (!full.empty() && full.back().undefined()) full.pop_back();
      // jsonata-js calls the implementation of a partially applied built-in
      // without checking its signature; arguments of the wrong type then
      // give no result (or a JavaScript TypeError) rather than T0410.
      std::vector<Value> checked;
      try {
        checked = f.builtin->signature->validate(full, Value());
      } catch (const Error& e) {
        if (e.code == "T0410" || e.code == "T0411" || e.code == "T0412") return Value();
        throw;
      }
      for (const auto& [name, why] : bindings_.refused)
        if (name == f.builtin->name) refuse(why.first, why.second);
      Value none;
      Focus focus{none, env};
      return f.builtin->impl(*this, checked, focus);
    }
    case FnKind::kRegex: {
      if (args->empty() || !(*args)[0].is_string()) return Value();
      std::size_t from = 0;
      std::string_view s = (*args)[0].str();
      if (args->size() > 1 && (*args)[1].is_number()) utf16_to_byte_offset_str(s, (*args)[1].as_number(), &from);
      return regex_match_object(*this, proc, s, from);
    }
    case FnKind::kTransform: return apply_transform(f, *args);
    case FnKind::kChain: {
      std::vector<Value> a1{args->empty() ? Value() : (*args)[0]};
      Value none;
      Value mid = apply(f.f, a1, none, env);
      std::vector<Value> a2{mid};
      return apply(f.g, a2, none, env);
    }
    case FnKind::kHost: {
      for (const auto& [name, why] : bindings_.refused)
        if (name == f.name) refuse(why.first, why.second);
      return f.host(*this, *args);
    }
  }
  return Value();
}

Value Evaluator::eval_partial(const Node& expr, const Value& input, const FramePtr& env) {
  std::vector<Value> args;
  std::vector<bool> holes;
  for (const auto& a : expr.arguments) {
    if (a->type == NodeType::kOperator && a->value == "?") {
      args.emplace_back();
      holes.push_back(true);
    } else {
      args.push_back(eval(*a, input, env));
      holes.push_back(false);
    }
  }
  Value proc = eval_procedure(expr, input, env, "T1007");
  if (proc.is_function() && proc.fn()->kind == FnKind::kLambda) {
    const FunctionHeap& p = *proc.fn();
    auto frame = std::make_shared<Frame>(p.env ? p.env : env);
    auto f = std::make_shared<FunctionHeap>();
    f->kind = FnKind::kLambda;
    for (std::size_t i = 0; i < p.params.size(); ++i) {
      if (i < holes.size() && holes[i]) f->params.push_back(p.params[i]);
      else frame->bind(p.params[i], i < args.size() ? args[i] : Value());
    }
    f->body = p.body;
    f->input = p.input;
    f->env = frame;
    return Value::function(std::move(f));
  }
  if (proc.is_function() && proc.fn()->kind == FnKind::kNative) {
    auto f = std::make_shared<FunctionHeap>();
    f->kind = FnKind::kPartialNative;
    f->builtin = proc.fn()->builtin;
    f->bound = std::move(args);
    f->placeholder = std::move(holes);
    // parameters the call did not mention are bound to undefined
    while (static_cast<int>(f->bound.size()) < f->builtin->arity) {
      f->bound.emplace_back();
      f->placeholder.push_back(false);
    }
    return Value::function(std::move(f));
  }
  if (proc.is_function()) {
    // a host function, regex, transform or chain: wrap as a lambda-like partial
    auto f = std::make_shared<FunctionHeap>();
    f->kind = FnKind::kHost;
    Value target = proc;
    auto bound = std::make_shared<std::vector<Value>>(std::move(args));
    auto h = std::make_shared<std::vector<bool>>(std::move(holes));
    f->host = [target, bound, h](Evaluator& ev, std::vector<Value>& a) {
      std::vector<Value> full;
      std::size_t k = 0;
      for (std::size_t i = 0; i < bound->size(); ++i) full.push_back((*h)[i] ? (k < a.size() ? a[k++] : Value()) : (*bound)[i]);
      return ev.call(target, std::move(full));
    };
    int n = 0;
    for (bool x : *h) n += x ? 1 : 0;
    f->host_arity = n;
    return Value::function(std::move(f));
  }
  Error e;
  e.code = "T1008";
  e.position = expr.position;
  e.token = procedure_name(expr);
  throw e;
}

Value Evaluator::eval_apply(const Node& expr, const Value& input, const FramePtr& env) {
  Value lhs = eval(*expr.lhs, input, env);
  if (expr.rhs->type == NodeType::kFunction) return eval_function(*expr.rhs, input, env, &lhs);
  Value func = eval(*expr.rhs, input, env);
  if (!func.is_function()) {
    Error e;
    e.code = "T2006";
    e.position = expr.position;
    if (!func.undefined()) e.value = value_json(func);
    throw e;
  }
  if (lhs.is_function()) {
    auto f = std::make_shared<FunctionHeap>();
    f->kind = FnKind::kChain;
    f->f = lhs;
    f->g = func;
    return Value::function(std::move(f));
  }
  std::vector<Value> args{lhs};
  Value none;
  return apply(func, args, none, env);
}

Value Evaluator::apply_transform(const FunctionHeap& f, std::vector<Value>& args) {
  const Node& expr = *f.node;
  if (args.empty() || args[0].undefined()) return Value();
  Value clone_fn = lookup(f.env, "clone");
  if (!clone_fn.is_function()) {
    Error e;
    e.code = "T2013";
    e.position = expr.position;
    throw e;
  }
  std::vector<Value> cargs{args[0]};
  Value none;
  Value result = apply(clone_fn, cargs, none, f.env);
  Value matches = eval(*expr.pattern, result, f.env);
  if (!matches.undefined()) {
    if (!matches.is_array()) matches = make_seq(matches);
    for (std::size_t i = 0, n = matches.size(); i < n; ++i) {
      Value match = matches.at(i);
      Value update = eval(*expr.update, match, f.env);
      if (!update.undefined()) {
        if (!update.is_object()) {
          Error e;
          e.code = "T2011";
          e.position = expr.update->position;
          e.value = value_json(update);
          throw e;
        }
        if (match.is_object() && match.owned()) {
          for (std::size_t k = 0, kn = update.obj_size(); k < kn; ++k) match.obj()->set(update.key_at(k), update.value_at(k));
        }
      }
      if (expr.del) {
        Value deletions = eval(*expr.del, match, f.env);
        if (!deletions.undefined()) {
          Value val = deletions;
          if (!deletions.is_array()) deletions = make_seq(deletions);
          for (std::size_t k = 0, kn = deletions.size(); k < kn; ++k) {
            if (!deletions.at(k).is_string()) {
              Error e;
              e.code = "T2012";
              e.position = expr.del->position;
              e.value = value_json(val);
              throw e;
            }
          }
          if (match.is_object() && match.owned()) {
            for (std::size_t k = 0, kn = deletions.size(); k < kn; ++k) match.obj()->erase(deletions.at(k).str());
          }
        }
      }
    }
  }
  return result;
}

// ---- matchers ----

namespace {
std::size_t utf16_offset(std::string_view s, std::size_t byte) { return utf16_length(s.substr(0, byte)); }

Value regex_match_object(Evaluator& ev, const Value& fn, std::string_view s, std::size_t from) {
  Regex::Match m;
  if (!fn.fn()->regex->exec(s, from, m)) return Value();
  auto o = new_object();
  o->set("match", Value::string(std::string(s.substr(m.start, m.end - m.start))));
  o->set("start", Value::number(static_cast<double>(utf16_offset(s, m.start))));
  o->set("end", Value::number(static_cast<double>(utf16_offset(s, m.end))));
  auto groups = new_array();
  for (const auto& g : m.groups) {
    groups->items.push_back(g.first ? Value::string(std::string(s.substr(g.second.first, g.second.second - g.second.first)))
                                     : Value());  // a group that did not take part: undefined, as in JavaScript
  }
  o->set("groups", Value::array(std::move(groups)));
  // next(): a host function continuing from this match's end
  auto next = std::make_shared<FunctionHeap>();
  next->kind = FnKind::kHost;
  std::string subject(s);
  std::size_t end = m.end;
  Value re = fn;
  bool empty = m.start == m.end;
  (void)empty;
  next->host = [subject, end, re](Evaluator& e2, std::vector<Value>&) -> Value {
    if (end >= subject.size()) return Value();
    Value r = regex_match_object(e2, re, subject, end);
    if (r.is_object() && r.get("match").str().empty()) {
      Error err;
      err.code = "D1004";
      err.value = "\"" + re.fn()->regex->source() + "\"";
      throw err;
    }
    return r;
  };
  o->set("next", Value::function(std::move(next)));
  (void)ev;
  return Value::object(std::move(o));
}

Evaluator::MatchState from_object(const Value& r, std::string_view str) {
  Evaluator::MatchState st;
  if (r.undefined()) return st;
  if (!r.is_object()) {
    Error e;
    e.code = "T1010";
    throw e;
  }
  Value start = r.get("start"), end = r.get("end"), groups = r.get("groups"), next = r.get("next");
  if (!(start.is_number() || end.is_number() || groups.is_array() || next.is_function())) {
    Error e;
    e.code = "T1010";
    throw e;
  }
  st.found = true;
  Value m = r.get("match");
  if (m.is_string()) st.match = std::string(m.str());
  std::size_t b = 0;
  if (start.is_number()) utf16_to_byte_offset_str(str, start.as_number(), &b);
  st.start = b;
  st.end = b + st.match.size();
  if (groups.is_array())
    for (std::size_t i = 0; i < groups.size(); ++i) st.groups.push_back(groups.at(i));
  st.next = next;
  return st;
}
}  // namespace

Evaluator::MatchState Evaluator::first_match(const Value& matcher, std::string_view str) {
  if (!matcher.is_function()) return MatchState();  // e.g. $split(s, undefined)
  const FunctionHeap& f = *matcher.fn();
  if (f.kind == FnKind::kRegex) {
    MatchState st;
    Regex::Match m;
    if (!f.regex->exec(str, 0, m)) return st;
    st.found = true;
    st.start = m.start;
    st.end = m.end;
    st.match = std::string(str.substr(m.start, m.end - m.start));
    for (const auto& g : m.groups)
      st.groups.push_back(g.first ? Value::string(std::string(str.substr(g.second.first, g.second.second - g.second.first)))
                                  : Value());  // a group that did not take part: undefined, as in JavaScript
    return st;
  }
  Value r = call(matcher, {Value::string(std::string(str))});
  return from_object(r, str);
}

Evaluator::MatchState Evaluator::next_match(const Value& matcher, std::string_view str, const MatchState& prev) {
  if (!matcher.is_function()) return MatchState();
  const FunctionHeap& f = *matcher.fn();
  if (f.kind == FnKind::kRegex) {
    MatchState st;
    if (prev.end >= str.size()) return st;
    Regex::Match m;
    if (!f.regex->exec(str, prev.end, m)) return st;
    if (m.start == m.end) {
      Error e;
      e.code = "D1004";
      e.value = "\"" + f.regex->source() + "\"";
      throw e;
    }
    st.found = true;
    st.start = m.start;
    st.end = m.end;
    st.match = std::string(str.substr(m.start, m.end - m.start));
    for (const auto& g : m.groups)
      st.groups.push_back(g.first ? Value::string(std::string(str.substr(g.second.first, g.second.second - g.second.first)))
                                  : Value());  // a group that did not take part: undefined, as in JavaScript
    return st;
  }
  if (!prev.next.is_function()) return MatchState();
  Value r = call(prev.next, {});
  return from_object(r, str);
}

}  // namespace stepd::jsonata
