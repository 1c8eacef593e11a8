#pragma once
// Function values and variable frames: lambdas (closures over a frame and
// their input), built-ins, partial applications, regexes, transforms, `~>`
// chains and host callbacks. Internal to src/jsonata.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/jsonata/ast.h"
#include "src/jsonata/value.h"

namespace stepd::jsonata {

class Evaluator;
class Regex;

// A scope of variable bindings, chained to its enclosing scope.
struct Frame {
  std::vector<std::pair<std::string, Value>> vars;
  std::shared_ptr<Frame> parent;

  explicit Frame(std::shared_ptr<Frame> p = nullptr) : parent(std::move(p)) {}
  void bind(std::string_view name, Value v) {
    for (auto& kv : vars)
      if (kv.first == name) {
        kv.second = std::move(v);
        return;
      }
    vars.emplace_back(std::string(name), std::move(v));
  }
  const Value* lookup(std::string_view name) const {
    for (const Frame* f = this; f; f = f->parent.get())
      for (const auto& kv : f->vars)
        if (kv.first == name) return &kv.second;
    return nullptr;
  }
};
using FramePtr = std::shared_ptr<Frame>;

// What a native function sees of its call site.
struct Focus {
  const Value& input;
  const FramePtr& env;
};

using NativeImpl = Value (*)(Evaluator&, std::vector<Value>& args, const Focus&);

struct Builtin {
  const char* name;
  NativeImpl impl;
  const char* signature_text;
  int arity;  // jsonata-js's implementation.length (drives $map & co.)
  std::shared_ptr<const Signature> signature;
};

// A host function (AWS's $partition, $uuid, ...): plain JSON in and out.
using HostImpl = std::function<Value(Evaluator&, std::vector<Value>& args)>;

enum class FnKind : unsigned char { kLambda, kNative, kPartialNative, kRegex, kTransform, kChain, kHost };

struct FunctionHeap : Heap {
  FnKind kind = FnKind::kLambda;
  // kLambda
  const Node* body = nullptr;
  std::vector<std::string> params;
  Value input;
  FramePtr env;
  bool thunk = false;
  std::shared_ptr<const Signature> signature;  // lambdas, natives, hosts
  // kNative, kPartialNative
  const Builtin* builtin = nullptr;
  std::vector<Value> bound;         // kPartialNative: the supplied arguments
  std::vector<bool> placeholder;    // kPartialNative: true where `?` was
  // kRegex
  std::shared_ptr<const Regex> regex;
  // kTransform: `node` is the transform node, env its scope
  const Node* node = nullptr;
  // kChain: g(f(x))
  Value f, g;
  // kHost
  HostImpl host;
  int host_arity = 0;
  std::string name;
};

// The built-in function called `name`, or nullptr.
const Builtin* find_builtin(std::string_view name);
// Its index in the table (0 .. builtin_count() - 1).
std::size_t builtin_index(const Builtin* b);
std::size_t builtin_count();

}  // namespace stepd::jsonata
