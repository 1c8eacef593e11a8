#include "src/jsonata/jsonata.h"

#include <new>

#include "src/jsonata/evaluator.h"

namespace stepd::jsonata {

class Expression {
 public:
  explicit Expression(NodePtr root) : root_(std::move(root)) {}
  const Node& root() const { return *root_; }

 private:
  NodePtr root_;
};

namespace {

const char* message_template(const std::string& code) {
  static const struct {
    const char* code;
    const char* text;
  } kMessages[] = {
      {"S0101", "String literal must be terminated by a matching quote"},
      {"S0102", "Number out of range: {{token}}"},
      {"S0103", "Unsupported escape sequence: \\{{token}}"},
      {"S0104", "The escape sequence \\u must be followed by 4 hex digits"},
      {"S0105", "Quoted property name must be terminated with a backquote (`)"},
      {"S0106", "Comment has no closing tag"},
      {"S0201", "Syntax error: {{token}}"},
      {"S0202", "Expected {{value}}, got {{token}}"},
      {"S0203", "Expected {{value}} before end of expression"},
      {"S0204", "Unknown operator: {{token}}"},
      {"S0205", "Unexpected token: {{token}}"},
      {"S0206", "Unknown expression type: {{token}}"},
      {"S0207", "Unexpected end of expression"},
      {"S0208", "Parameter {{value}} of function definition must be a variable name (start with $)"},
      {"S0209", "A predicate cannot follow a grouping expression in a step"},
      {"S0210", "Each step can only have one grouping expression"},
      {"S0211", "The symbol {{token}} cannot be used as a unary operator"},
      {"S0212", "The left side of := must be a variable name (start with $)"},
      {"S0213", "The literal value {{value}} cannot be used as a step within a path expression"},
      {"S0214", "The right side of {{token}} must be a variable name (start with $)"},
      {"S0215", "A context variable binding must precede any predicates on a step"},
      {"S0216", "A context variable binding must precede the 'order-by' clause on a step"},
      {"S0217", "The object representing the 'parent' cannot be derived from this expression"},
      {"S0301", "Empty regular expressions are not allowed"},
      {"S0302", "No terminating / in regular expression"},
      {"S0402", "Choice groups containing parameterized types are not supported"},
      {"S0401", "Type parameters can only be applied to functions and arrays"},
      {"S0500", "Attempted to evaluate an expression containing syntax error(s)"},
      {"T0410", "Argument {{index}} of function {{token}} does not match function signature"},
      {"T0411", "Context value is not a compatible type with argument {{index}} of function {{token}}"},
      {"T0412", "Argument {{index}} of function {{token}} must be an array of {{type}}"},
      {"D1001", "Number out of range: {{value}}"},
      {"D1002", "Cannot negate a non-numeric value: {{value}}"},
      {"T1003", "Key in object structure must evaluate to a string; got: {{value}}"},
      {"D1004", "Regular expression matches zero length string"},
      {"T1005", "Attempted to invoke a non-function. Did you mean ${{{token}}}?"},
      {"T1006", "Attempted to invoke a non-function"},
      {"T1007", "Attempted to partially apply a non-function. Did you mean ${{{token}}}?"},
      {"T1008", "Attempted to partially apply a non-function"},
      {"D1009", "Multiple key definitions evaluate to same key: {{value}}"},
      {"T1010", "The matcher function argument passed to function {{token}} does not return the correct object structure"},
      {"T2001", "The left side of the {{token}} operator must evaluate to a number"},
      {"T2002", "The right side of the {{token}} operator must evaluate to a number"},
      {"T2003", "The left side of the range operator (..) must evaluate to an integer"},
      {"T2004", "The right side of the range operator (..) must evaluate to an integer"},
      {"T2006", "The right side of the function application operator ~> must be a function"},
      {"T2007", "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause"},
      {"T2008", "The expressions within an order-by clause must evaluate to numeric or string values"},
      {"T2009", "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type"},
      {"T2010", "The expressions either side of operator {{token}} must evaluate to numeric or string values"},
      {"T2011", "The insert/update clause of the transform expression must evaluate to an object: {{value}}"},
      {"T2012", "The delete clause of the transform expression must evaluate to a string or array of strings: {{value}}"},
      {"T2013", "The transform expression clones the input object using the $clone() function.  This has been overridden in the current scope by a non-function."},
      {"D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {{value}}."},
      {"D3001", "Attempting to invoke string function on Infinity or NaN"},
      {"D3010", "Second argument of replace function cannot be an empty string"},
      {"D3011", "Fourth argument of replace function must evaluate to a positive number"},
      {"D3012", "Attempted to replace a matched string with a non-string value"},
      {"D3020", "Third argument of split function must evaluate to a positive number"},
      {"D3030", "Unable to cast value to a number: {{value}}"},
      {"D3040", "Third argument of match function must evaluate to a positive number"},
      {"D3050", "The second argument of reduce function must be a function with at least two arguments"},
      {"D3060", "The sqrt function cannot be applied to a negative number: {{value}}"},
      {"D3061", "The power function has resulted in a value that cannot be represented as a JSON number: base={{value}}, exponent={{exp}}"},
      {"D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function"},
      {"D3100", "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}"},
      {"D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}"},
      {"D3120", "Syntax error in expression passed to function eval: {{value}}"},
      {"D3121", "Dynamic error evaluating the expression passed to function eval: {{value}}"},
      {"D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more."},
      {"D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."},
      {"D3140", "Malformed URL passed to ${{{functionName}}}(): {{value}}"},
  };
  for (const auto& m : kMessages)
    if (code == m.code) return m.text;
  return nullptr;
}

std::string quoted(const std::string& s) {
  std::string out;
  quote_json_string(s, out);
  return out;
}

}  // namespace

std::string error_message(const Error& e) {
  if (!e.message.empty()) return e.message;
  const char* tmpl = message_template(e.code);
  if (!tmpl) return "JSONata error " + e.code;
  std::string t = tmpl, out;
  for (std::size_t i = 0; i < t.size();) {
    bool triple = t.compare(i, 3, "{{{") == 0;
    if (t.compare(i, 2, "{{") != 0) {
      out += t[i++];
      continue;
    }
    std::size_t start = i + (triple ? 3 : 2);
    std::size_t end = t.find("}}", start);
    std::string field = t.substr(start, end - start);
    std::string raw;
    bool have = true;
    bool is_json = false;
    if (field == "token") {
      have = e.token.has_value();
      raw = e.token.value_or("");
    } else if (field == "value") {
      have = e.value.has_value();
      raw = e.value.value_or("");
      is_json = true;
    } else if (field == "value2") {
      have = e.value2.has_value();
      raw = e.value2.value_or("");
      is_json = true;
    } else if (field == "index") {
      raw = std::to_string(e.index);
      is_json = true;
    } else if (field == "type") {
      raw = e.type;
    } else if (field == "functionName") {
      raw = e.function_name;
    } else if (field == "exp") {
      raw = e.exp;
      is_json = true;
    }
    if (triple) out += raw;
    else if (!have) out += "undefined";
    else out += is_json ? raw : quoted(raw);
    i = end + (triple ? 3 : 2);
  }
  return out;
}

namespace {
Status to_status(const Error& e, ErrorDetail* detail) {
  std::string msg = error_message(e);
  if (detail) {
    detail->code = e.code;
    detail->message = msg;
    detail->position = e.position;
    detail->token = e.token.value_or("");
  }
  return Status(Code::kFailed, msg, e.code);
}
}  // namespace

Result<std::shared_ptr<const Expression>> compile(std::string_view text, ErrorDetail* detail) {
  try {
    return std::shared_ptr<const Expression>(std::make_shared<Expression>(parse(text)));
  } catch (const Error& e) {
    return to_status(e, detail);
  } catch (const std::exception& e) {
    return Status::internal(std::string("jsonata: ") + e.what());
  }
}

Bindings::Bindings() = default;
Bindings::~Bindings() = default;
Bindings::Bindings(Bindings&&) noexcept = default;
Bindings& Bindings::operator=(Bindings&&) noexcept = default;
const Bindings::Impl& Bindings::impl() const {
  static const Impl kEmpty;
  return impl_ ? *impl_ : kEmpty;
}

Bindings::Impl& Bindings::mut() {
  if (!impl_) impl_ = std::make_unique<Impl>();
  return *impl_;
}

void Bindings::bind(std::string name, boost::json::value v) {
  auto p = std::make_shared<boost::json::value>(std::move(v));
  mut().variables.emplace_back(name, p.get());
  mut().owned.emplace_back(std::move(name), std::move(p));
}

void Bindings::bind_ref(std::string name, const boost::json::value& v) { mut().variables.emplace_back(std::move(name), &v); }

Status Bindings::define(std::string name, HostFunction fn, std::string signature) {
  auto f = std::make_shared<FunctionHeap>();
  f->kind = FnKind::kHost;
  f->name = name;
  if (!signature.empty()) {
    try {
      f->signature = Signature::parse(signature);
    } catch (const Error& e) {
      return Status::invalid("bad signature " + signature + ": " + error_message(e));
    }
    f->host_arity = static_cast<int>(f->signature->param_count());
  }
  f->host = [fn = std::move(fn)](Evaluator& ev, std::vector<Value>& args) -> Value {
    std::vector<std::optional<boost::json::value>> jargs;
    jargs.reserve(args.size());
    for (const auto& a : args) {
      if (a.undefined()) jargs.emplace_back();
      else jargs.emplace_back(to_json(a));
    }
    auto r = fn(jargs);
    if (!r.ok()) {
      Error e;
      e.code = r.status().error().empty() ? "D3137" : r.status().error();
      e.message = r.status().message();
      throw e;
    }
    if (!*r) return Value();
    // the result must outlive this call: the evaluator keeps it
    return Value::borrow(ev.keep(std::move(**r)));
  };
  mut().functions.emplace_back(std::move(name), Value::function(std::move(f)));
  return Status();
}

void Bindings::refuse(std::string name, std::string code, std::string message) {
  mut().refused.emplace_back(std::move(name), std::make_pair(std::move(code), std::move(message)));
}

Result<std::optional<boost::json::value>> evaluate(const Expression& expr, const boost::json::value* input,
                                                   const Bindings& bindings, const Options& options,
                                                   ErrorDetail* detail) {
  try {
    Evaluator ev(options, bindings.impl());
    Value in = input ? Value::borrow(*input) : Value();
    Value out = ev.run(expr.root(), in);
    if (out.undefined()) return std::optional<boost::json::value>();
    if (out.is_array() && out.sequence() && out.size() == 0) return std::optional<boost::json::value>();
    return std::optional<boost::json::value>(to_json(out));
  } catch (const Error& e) {
    return to_status(e, detail);
  } catch (const std::bad_alloc&) {
    Error e;
    e.code = "U1001";
    e.message = "Out of memory";
    return to_status(e, detail);
  } catch (const std::exception& e) {
    return Status::internal(std::string("jsonata: ") + e.what());
  }
}

}  // namespace stepd::jsonata
