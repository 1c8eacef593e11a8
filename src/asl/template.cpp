#include "src/asl/template.h"

#include <optional>

#include "src/common/json.h"

namespace stepd::asl {

// One node of a compiled template. Objects keep their keys in document order
// because AWS preserves it in the outputs it records.
struct Template::Node {
  enum class Kind : unsigned char { kLiteral, kPath, kCall, kObject, kArray };
  Kind kind = Kind::kLiteral;
  bj::value literal;                               // kLiteral
  std::string field;                               // kPath/kCall: the key as written ("x.$")
  std::optional<jsonpath::Path> path;              // kPath
  std::shared_ptr<const intrinsics::Expr> call;    // kCall
  std::vector<std::pair<std::string, Node>> members;  // kObject (keys without ".$")
  std::vector<Node> items;                          // kArray
  bool constant = true;                             // no path or call below
};

namespace {

using Node = Template::Node;

Result<Node> compile_dynamic_node(const std::string& field, const std::string& text) {
  Node n;
  n.field = field;
  n.constant = false;
  if (intrinsics::looks_like_call(text)) {
    auto call = intrinsics::parse(text);
    if (!call.ok()) {
      return Status::invalid("The value for the field '" + field +
                             "' must be a valid JSONPath or a valid intrinsic function call");
    }
    n.kind = Node::Kind::kCall;
    n.call = std::move(call).value();
    return n;
  }
  auto p = jsonpath::Path::parse(text);
  if (!p.ok()) {
    return Status::invalid("The value for the field '" + field +
                           "' must be a valid JSONPath or a valid intrinsic function call");
  }
  n.kind = Node::Kind::kPath;
  n.path = std::move(p).value();
  return n;
}

Result<Node> compile_node(const bj::value& v) {
  Node n;
  if (const auto* o = v.if_object()) {
    n.kind = Node::Kind::kObject;
    for (const auto& kv : *o) {
      std::string key(kv.key());
      if (key.size() > 2 && key.compare(key.size() - 2, 2, ".$") == 0) {
        const auto* s = kv.value().if_string();
        if (!s) {
          return Status::invalid("The value for the field '" + key +
                                 "' must be a valid JSONPath or a valid intrinsic function call");
        }
        auto child = compile_dynamic_node(key, std::string(*s));
        if (!child.ok()) return child.status();
        n.constant = false;
        n.members.emplace_back(key.substr(0, key.size() - 2), std::move(child).value());
      } else {
        auto child = compile_node(kv.value());
        if (!child.ok()) return child.status();
        n.constant = n.constant && child->constant;
        n.members.emplace_back(std::move(key), std::move(child).value());
      }
    }
    if (n.constant) {
      n.kind = Node::Kind::kLiteral;
      n.literal = v;
      n.members.clear();
    }
    return n;
  }
  if (const auto* a = v.if_array()) {
    n.kind = Node::Kind::kArray;
    for (const auto& e : *a) {
      auto child = compile_node(e);
      if (!child.ok()) return child.status();
      n.constant = n.constant && child->constant;
      n.items.push_back(std::move(child).value());
    }
    if (n.constant) {
      n.kind = Node::Kind::kLiteral;
      n.literal = v;
      n.items.clear();
    }
    return n;
  }
  n.literal = v;
  return n;
}

Result<bj::value> eval_node(const Node& n, const jsonpath::Documents& docs,
                            const std::function<std::uint64_t()>& entropy) {
  switch (n.kind) {
    case Node::Kind::kLiteral:
      return n.literal;
    case Node::Kind::kPath: {
      auto r = n.path->eval(docs);
      if (r.ok()) return r;
      const bj::value& doc = n.path->root() == jsonpath::Root::kContext ? docs.context() : docs.input();
      return Status::failed("States.Runtime", "The JSONPath '" + n.path->text() + "' specified for the field '" +
                                                  n.field + "' could not be found in the input '" +
                                                  json::to_json(doc) + "'");
    }
    case Node::Kind::kCall: {
      auto r = intrinsics::eval(*n.call, docs, entropy);
      if (r.ok() || r.status().code() == Code::kFailed) return r;
      return Status::failed("States.Runtime", r.status().message());
    }
    case Node::Kind::kObject: {
      bj::object out;
      out.reserve(n.members.size());
      for (const auto& [key, child] : n.members) {
        auto r = eval_node(child, docs, entropy);
        if (!r.ok()) return r.status();
        out[key] = std::move(r).value();
      }
      return bj::value(std::move(out));
    }
    case Node::Kind::kArray: {
      bj::array out;
      out.reserve(n.items.size());
      for (const auto& child : n.items) {
        auto r = eval_node(child, docs, entropy);
        if (!r.ok()) return r.status();
        out.push_back(std::move(r).value());
      }
      return bj::value(std::move(out));
    }
  }
  return Status::internal("unreachable template node");
}

}  // namespace

Result<Template> Template::compile(const bj::value& v) {
  auto n = compile_node(v);
  if (!n.ok()) return n.status();
  Template t;
  t.root_ = std::make_shared<const Node>(std::move(n).value());
  return t;
}

Result<Template> Template::compile_dynamic(const std::string& text) {
  auto n = compile_dynamic_node(text, text);
  if (!n.ok()) return n.status();
  Template t;
  t.root_ = std::make_shared<const Node>(std::move(n).value());
  return t;
}

Result<bj::value> Template::eval(const jsonpath::Documents& docs,
                                 const std::function<std::uint64_t()>& entropy) const {
  return eval_node(*root_, docs, entropy);
}

bool Template::is_constant() const { return root_->constant; }

}  // namespace stepd::asl
