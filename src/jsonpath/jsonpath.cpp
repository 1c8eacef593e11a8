#include "src/jsonpath/jsonpath.h"

#include <string>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "src/common/json.h"
#include "src/jsonpath/evaluator.h"
#include "src/jsonpath/parser.h"
#include "src/jsonpath/segment.h"

namespace stepd::jsonpath {

using internal::Kind;

Result<Path> Path::parse(std::string_view text) {
  auto parsed = internal::parse_path(text);
  if (!parsed.ok()) return parsed.status();
  internal::ParsedPath& pp = parsed.value();
  Path p;
  p.text_ = std::string(text);
  p.root_ = pp.root;
  p.variable_ = std::move(pp.variable);
  p.definite_ = internal::simple_definite(pp.segs);
  p.reference_ = p.definite_;
  for (const Segment& seg : pp.segs) {
    if (seg.kind == Kind::kIndex && seg.index < 0) p.reference_ = false;
  }
  p.segments_ = std::make_shared<const std::vector<Segment>>(std::move(pp.segs));
  return p;
}

bool Path::is_root() const { return !segments_ || segments_->empty(); }

const bj::value* Path::find_on(const bj::value& root) const {
  if (!definite_) return nullptr;
  if (!segments_) return &root;
  return internal::find_simple(*segments_, root);
}

Result<bj::value> Path::eval_on(const bj::value& root) const {
  if (!segments_ || segments_->empty()) return root;
  if (definite_) {
    if (const bj::value* v = internal::find_simple(*segments_, root)) return *v;
  }
  internal::Outcome o = internal::evaluate(*segments_, root, root, false);
  if (o.ok) return std::move(o.value);
  // AWS answers an indefinite path that Jayway cannot follow with no matches
  // (test_json_path_array_wildcard_or_slice_with_no_input: `$.item.items[*]`
  // on {} gives []), while a definite path fails with Jayway's message.
  if (internal::jayway_definite(*segments_) || internal::scan_function(*segments_)) {
    return Status::not_found(std::move(o.error));
  }
  return bj::value(bj::array());
}

namespace {

const bj::value* document_of(const Path& p, const Documents& docs) {
  switch (p.root()) {
    case Root::kInput: return &docs.input();
    case Root::kContext: return &docs.context();
    case Root::kVariable: return docs.variable(p.variable());
  }
  return nullptr;
}

}  // namespace

const bj::value* Path::find(const Documents& docs) const {
  const bj::value* doc = document_of(*this, docs);
  return doc ? find_on(*doc) : nullptr;
}

Result<bj::value> Path::eval(const Documents& docs) const {
  const bj::value* doc = document_of(*this, docs);
  if (!doc) return Status::not_found("The variable '" + variable_ + "' is not defined");
  return eval_on(*doc);
}

Status Path::assign(bj::value& doc, bj::value v) const {
  if (!reference_) return Status::invalid("'" + text_ + "' is not a reference path");
  if (!segments_ || segments_->empty()) {
    doc = std::move(v);
    return Status();
  }
  const std::vector<Segment>& segs = *segments_;
  bj::value* cur = &doc;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const Segment& s = segs[i];
    bool last = i + 1 == segs.size();
    if (s.kind == Kind::kName) {
      bj::object* o = cur->if_object();
      if (!o) {
        return Status::not_found("Cannot write at " + internal::jayway_text(segs) + ": " +
                                 internal::eval_path(segs, i) + " is not an object (" +
                                 json::type_name(*cur) + ")");
      }
      if (last) {
        (*o)[s.name] = std::move(v);
        return Status();
      }
      auto it = o->find(s.name);
      cur = it != o->end() ? &it->value() : &o->emplace(s.name, bj::object()).first->value();
    } else {
      bj::array* a = cur->if_array();
      if (!a) {
        return Status::not_found("Cannot write at " + internal::jayway_text(segs) + ": " +
                                 internal::eval_path(segs, i) + " is not an array (" +
                                 json::type_name(*cur) + ")");
      }
      if (s.index >= static_cast<std::int64_t>(a->size())) {
        return Status::not_found("Cannot write at " + internal::jayway_text(segs) + ": index " +
                                 std::to_string(s.index) + " is out of range of " +
                                 internal::eval_path(segs, i) + " (length " + std::to_string(a->size()) + ")");
      }
      bj::value& slot = (*a)[static_cast<std::size_t>(s.index)];
      if (last) {
        slot = std::move(v);
        return Status();
      }
      cur = &slot;
    }
  }
  return Status();
}

}  // namespace stepd::jsonpath
