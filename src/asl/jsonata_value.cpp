#include "src/asl/jsonata_value.h"

#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace stepd::asl {

namespace {
constexpr const char* kQueryError = "States.QueryEvaluationError";
const std::string kEmpty;
}  // namespace

struct JsonataValue::Node {
  enum class Kind : unsigned char { kLiteral, kExpr, kObject, kArray } kind = Kind::kLiteral;
  bj::value literal;
  std::shared_ptr<const jsonata::Expression> expr;
  std::string text;
  std::vector<std::pair<std::string, Node>> members;  // kObject
  std::vector<Node> items;                            // kArray
};

bool is_jsonata_expression(const bj::value& v) {
  const auto* s = v.if_string();
  if (!s || s->size() < 4) return false;
  std::string_view t(*s);
  return t.substr(0, 2) == "{%" && t.substr(t.size() - 2) == "%}";
}

namespace {

using Node = JsonataValue::Node;

std::string trim(std::string_view t) {
  std::size_t b = 0, e = t.size();
  while (b < e && (t[b] == ' ' || t[b] == '\t' || t[b] == '\n' || t[b] == '\r')) ++b;
  while (e > b && (t[e - 1] == ' ' || t[e - 1] == '\t' || t[e - 1] == '\n' || t[e - 1] == '\r')) --e;
  return std::string(t.substr(b, e - b));
}

Status build(const bj::value& v, Node& out, bool& constant) {
  if (is_jsonata_expression(v)) {
    std::string_view t(v.get_string());
    out.kind = Node::Kind::kExpr;
    out.text = trim(t.substr(2, t.size() - 4));
    jsonata::ErrorDetail detail;
    auto e = jsonata::compile(out.text, &detail);
    if (!e.ok()) {
      return Status::invalid("The JSONata expression '" + out.text + "' is not valid: " + e.status().error() + ": " +
                             e.status().message());
    }
    out.expr = std::move(e).value();
    constant = false;
    return Status::ok_status();
  }
  if (const auto* o = v.if_object()) {
    out.kind = Node::Kind::kObject;
    out.members.reserve(o->size());
    for (const auto& kv : *o) {
      Node child;
      Status s = build(kv.value(), child, constant);
      if (!s.ok()) return s;
      out.members.emplace_back(std::string(kv.key()), std::move(child));
    }
    return Status::ok_status();
  }
  if (const auto* a = v.if_array()) {
    out.kind = Node::Kind::kArray;
    out.items.reserve(a->size());
    for (const auto& item : *a) {
      Node child;
      Status s = build(item, child, constant);
      if (!s.ok()) return s;
      out.items.push_back(std::move(child));
    }
    return Status::ok_status();
  }
  out.kind = Node::Kind::kLiteral;
  out.literal = v;
  return Status::ok_status();
}

Result<bj::value> fill(const Node& n, const jsonata::Bindings& b, const jsonata::Options& o, const std::string& loc,
                       std::string* location) {
  switch (n.kind) {
    case Node::Kind::kLiteral:
      return n.literal;
    case Node::Kind::kExpr: {
      auto r = jsonata::evaluate(*n.expr, nullptr, b, o);
      std::string head = "The JSONata expression '" + n.text + "' specified for the field '" + loc + "' ";
      if (!r.ok()) {
        if (location) *location = loc;
        // A host function's own ASL error (none today) would pass through.
        return Status::failed(kQueryError, head + "threw an error during evaluation. " + r.status().error() + ": " +
                                               r.status().message());
      }
      if (!*r) {
        if (location) *location = loc;
        return Status::failed(kQueryError, head + "returned nothing (undefined).");
      }
      // evaluate() renders a function as "" (as JSON output has no
      // functions); AWS refuses a function result. Only an empty string
      // needs the second look.
      if (const auto* str = (*r)->if_string(); str && str->empty()) {
        auto probe = jsonata::compile("$type((" + n.text + "\n))");
        if (probe.ok()) {
          auto t = jsonata::evaluate(**probe, nullptr, b, o);
          if (t.ok() && *t && (*t)->is_string() && (*t)->get_string() == "function") {
            if (location) *location = loc;
            return Status::failed(kQueryError, head + "returned an unsupported result type.");
          }
        }
      }
      return std::move(**r);
    }
    case Node::Kind::kObject: {
      bj::object out;
      out.reserve(n.members.size());
      for (const auto& [k, child] : n.members) {
        auto r = fill(child, b, o, loc.empty() ? k : loc + "/" + k, location);
        if (!r.ok()) return r.status();
        out[k] = std::move(r).value();
      }
      return bj::value(std::move(out));
    }
    case Node::Kind::kArray: {
      bj::array out;
      out.reserve(n.items.size());
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        auto r = fill(n.items[i], b, o, loc + "[" + std::to_string(i) + "]", location);
        if (!r.ok()) return r.status();
        out.push_back(std::move(r).value());
      }
      return bj::value(std::move(out));
    }
  }
  return bj::value();
}

bool mentions_in(const Node& n, std::string_view word) {
  switch (n.kind) {
    case Node::Kind::kLiteral: return false;
    case Node::Kind::kExpr: return n.text.find(word) != std::string::npos;
    case Node::Kind::kObject:
      for (const auto& m : n.members) {
        if (mentions_in(m.second, word)) return true;
      }
      return false;
    case Node::Kind::kArray:
      for (const auto& i : n.items) {
        if (mentions_in(i, word)) return true;
      }
      return false;
  }
  return false;
}

bool whole_in(const Node& n, std::string_view name) {
  switch (n.kind) {
    case Node::Kind::kLiteral: return false;
    case Node::Kind::kExpr:
      for (auto p = n.text.find(name); p != std::string::npos; p = n.text.find(name, p + 1)) {
        std::size_t q = p + name.size();
        while (q < n.text.size() && (n.text[q] == ' ' || n.text[q] == '\t' || n.text[q] == '\n')) ++q;
        if (q >= n.text.size() || n.text[q] != '.') return true;
      }
      return false;
    case Node::Kind::kObject:
      for (const auto& m : n.members) {
        if (whole_in(m.second, name)) return true;
      }
      return false;
    case Node::Kind::kArray:
      for (const auto& i : n.items) {
        if (whole_in(i, name)) return true;
      }
      return false;
  }
  return false;
}

}  // namespace

Result<JsonataValue> JsonataValue::compile(const bj::value& v) {
  auto root = std::make_shared<Node>();
  bool constant = true;
  Status s = build(v, *root, constant);
  if (!s.ok()) return s;
  JsonataValue out;
  out.root_ = std::move(root);
  return out;
}

Result<bj::value> JsonataValue::eval(const jsonata::Bindings& bindings, const jsonata::Options& options,
                                     const std::string& field, std::string* location) const {
  return fill(*root_, bindings, options, field, location);
}

bool JsonataValue::is_constant() const { return !mentions_in(*root_, ""); }

bool JsonataValue::mentions(std::string_view word) const { return mentions_in(*root_, word); }

bool JsonataValue::uses_whole(std::string_view name) const { return whole_in(*root_, name); }

const std::string& JsonataValue::expression_text() const {
  return root_->kind == Node::Kind::kExpr ? root_->text : kEmpty;
}

}  // namespace stepd::asl
