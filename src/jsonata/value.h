#pragma once
// The evaluator's value: JSONata's data model (undefined, null, booleans,
// numbers, strings, arrays/sequences, objects, functions) in 32 bytes.
//
// Strings, arrays and objects are either *borrowed* (a pointer into a
// boost::json document the caller keeps alive for the whole evaluation, so
// path navigation never copies input) or *owned* (a shared heap block built
// by the evaluator). Owned arrays carry the flags jsonata-js sets on its
// arrays (sequence, keepSingleton, outerWrapper, tupleStream, cons).
// Owned blocks are mutable only while one evaluation builds them, except
// inside a transform's clone. Values are used by one evaluation (one thread)
// at a time; literals inside a compiled Expression are only ever read.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace stepd::jsonata {

namespace bj = boost::json;

enum class Type : std::uint8_t { kUndefined, kNull, kBool, kNumber, kString, kArray, kObject, kFunction };

struct Heap {};  // base of the owned blocks; shared_ptr keeps the real type's deleter
struct StringHeap;
struct ArrayHeap;
struct ObjectHeap;
struct FunctionHeap;

class Value {
 public:
  Value() = default;
  static Value null() { Value v; v.type_ = Type::kNull; return v; }
  static Value boolean(bool b) { Value v; v.type_ = Type::kBool; v.u_.b = b; return v; }
  static Value number(double n) { Value v; v.type_ = Type::kNumber; v.u_.n = n; return v; }
  static Value string(std::string s);
  static Value string_view_of(const bj::value* j) { Value v; v.type_ = Type::kString; v.u_.j = j; return v; }
  static Value array(std::shared_ptr<ArrayHeap> a);
  static Value object(std::shared_ptr<ObjectHeap> o);
  static Value function(std::shared_ptr<FunctionHeap> f);
  // A borrowed view of a JSON document (no copy). REQUIRES: j outlives the value.
  static inline Value borrow(const bj::value& j);

  Type type() const { return type_; }
  bool undefined() const { return type_ == Type::kUndefined; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_function() const { return type_ == Type::kFunction; }
  bool owned() const { return h_ != nullptr; }

  bool as_bool() const { return u_.b; }
  double as_number() const { return u_.n; }
  std::string_view str() const;

  // Arrays (borrowed or owned).
  inline std::size_t size() const;
  inline Value at(std::size_t i) const;
  ArrayHeap* arr() const;  // owned only, else null
  const bj::array* jarr() const { return h_ ? nullptr : &u_.j->get_array(); }
  bool sequence() const;
  bool keep_singleton() const;
  bool outer_wrapper() const;
  bool tuple_stream() const;
  bool cons() const;

  // Objects (borrowed or owned).
  std::size_t obj_size() const;
  std::string_view key_at(std::size_t i) const;
  Value value_at(std::size_t i) const;
  Value get(std::string_view key) const;  // undefined when absent
  bool has(std::string_view key) const;
  ObjectHeap* obj() const;  // owned only, else null
  const bj::object* jobj() const { return h_ ? nullptr : &u_.j->get_object(); }

  FunctionHeap* fn() const;  // defined in function.h
  const bj::value* json() const { return h_ ? nullptr : u_.j; }
  const std::shared_ptr<Heap>& heap() const { return h_; }
  // Empties the value, handing over its owned block (for iterative teardown).
  std::shared_ptr<Heap> release_heap() {
    type_ = Type::kUndefined;
    return std::move(h_);
  }

 private:
  Type type_ = Type::kUndefined;
  union U {
    bool b;
    double n;
    const bj::value* j;
  } u_{};
  std::shared_ptr<Heap> h_;
};

struct StringHeap : Heap {
  std::string s;
};

struct ArrayHeap : Heap {
  std::vector<Value> items;
  std::uint32_t nest = 1;  // nesting depth of owned containers below (see note_child)
  ArrayHeap() = default;
  ~ArrayHeap();  // iterative: a deep tree must not overflow the stack
  bool sequence = false;
  bool keep_singleton = false;
  bool outer_wrapper = false;
  bool tuple_stream = false;
  bool cons = false;
};

// Insertion-ordered, as JavaScript objects are (for non-numeric keys).
struct ObjectHeap : Heap {
  std::vector<std::pair<std::string, Value>> entries;
  std::uint32_t nest = 1;
  ObjectHeap() = default;
  ~ObjectHeap();
  void set(std::string_view key, Value v);
  const Value* find(std::string_view key) const;
  void erase(std::string_view key);

 private:
  void reindex() const;
  mutable std::unordered_map<std::string_view, std::size_t> index_;  // when large
  mutable bool indexed_ = false;
};

// Values nest at most this deep: deeper would overflow the native stack in
// the recursive helpers below and in destructors.
constexpr std::uint32_t kMaxNesting = 10000;
// No string value may be longer (JavaScript's own limit is about 512 MiB).
constexpr std::size_t kMaxStringBytes = std::size_t{1} << 28;
// Records that a container holding `nest` now holds child; throws Error
// U1001 past kMaxNesting.
void note_child(std::uint32_t& nest, const Value& child);
// Called from long-running helpers: enforces the running evaluation's time
// limit (throws Error U1001), so no loop outside the evaluator escapes it.
void poll_guard();

inline ArrayHeap* Value::arr() const { return static_cast<ArrayHeap*>(h_.get()); }
inline ObjectHeap* Value::obj() const { return static_cast<ObjectHeap*>(h_.get()); }

// The hot accessors, inline.
inline Value Value::borrow(const bj::value& j) {
  Value v;
  switch (j.kind()) {
    case bj::kind::null: v.type_ = Type::kNull; break;
    case bj::kind::bool_: v.type_ = Type::kBool; v.u_.b = j.get_bool(); break;
    case bj::kind::int64: v.type_ = Type::kNumber; v.u_.n = static_cast<double>(j.get_int64()); break;
    case bj::kind::uint64: v.type_ = Type::kNumber; v.u_.n = static_cast<double>(j.get_uint64()); break;
    case bj::kind::double_: v.type_ = Type::kNumber; v.u_.n = j.get_double(); break;
    case bj::kind::string: v.type_ = Type::kString; v.u_.j = &j; break;
    case bj::kind::array: v.type_ = Type::kArray; v.u_.j = &j; break;
    case bj::kind::object: v.type_ = Type::kObject; v.u_.j = &j; break;
  }
  return v;
}
inline std::size_t Value::size() const {
  if (type_ != Type::kArray) return 0;
  return h_ ? arr()->items.size() : u_.j->get_array().size();
}
inline Value Value::at(std::size_t i) const { return h_ ? arr()->items[i] : borrow(u_.j->get_array()[i]); }

inline std::shared_ptr<ArrayHeap> new_sequence() {
  auto a = std::make_shared<ArrayHeap>();
  a->sequence = true;
  return a;
}
inline std::shared_ptr<ArrayHeap> new_array() { return std::make_shared<ArrayHeap>(); }
inline std::shared_ptr<ObjectHeap> new_object() { return std::make_shared<ObjectHeap>(); }

// JavaScript's Number#toString: shortest round-trip digits, exponent form
// outside [1e-7, 1e21).
std::string js_number_to_string(double d);
// jsonata's $string for one number inside JSON: integers as is, others with
// 15 significant digits then shortest form.
std::string number_to_jsonata_string(double d);

// JSON.stringify as $string does it (functions as "", numbers with 15
// significant digits), with 2-space indentation when pretty.
// With finite_only, a non-finite number throws Error D1001 (as $string's
// isNumeric check does) instead of becoming null.
void stringify(const Value& v, std::string& out, bool pretty = false, int indent = 0, bool finite_only = false);
// JSON text of a string (quotes and escapes as JSON.stringify writes them).
void quote_json_string(std::string_view s, std::string& out);

bool deep_equal(const Value& a, const Value& b);

// The value as a JSON document (copies). Functions become "", as
// JSON.stringify would drop them; undefined array members are skipped.
bj::value to_json(const Value& v);
// A deep, owned copy (for transform's clone): functions dropped like JSON.
Value deep_clone(const Value& v);

// JavaScript's String#length: UTF-16 code units of a UTF-8 string.
std::size_t utf16_length(std::string_view s);
// Unicode code points of a UTF-8 string (JSONata's stringToArray length).
std::size_t code_point_length(std::string_view s);

}  // namespace stepd::jsonata
