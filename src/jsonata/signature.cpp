#include "src/jsonata/signature.h"

#include "src/jsonata/error.h"

namespace stepd::jsonata {

char type_symbol(const Value& v) {
  switch (v.type()) {
    case Type::kFunction: return 'f';
    case Type::kString: return 's';
    case Type::kNumber: return 'n';
    case Type::kBool: return 'b';
    case Type::kNull: return 'l';
    case Type::kArray: return 'a';
    case Type::kObject: return 'o';
    case Type::kUndefined: return 'm';
  }
  return 'm';
}

namespace {
std::size_t closing(std::string_view s, std::size_t start, char open, char close) {
  int depth = 1;
  std::size_t pos = start;
  while (pos < s.size()) {
    ++pos;
    if (pos >= s.size()) break;
    if (s[pos] == close) {
      if (--depth == 0) break;
    } else if (s[pos] == open) {
      ++depth;
    }
  }
  return pos;
}
}  // namespace

std::shared_ptr<const Signature> Signature::parse(std::string_view text) {
  auto sig = std::make_shared<Signature>();
  sig->definition_ = std::string(text);
  std::size_t position = 1;
  Param param;
  Param* prev = nullptr;
  auto next = [&] {
    sig->params_.push_back(param);
    prev = &sig->params_.back();
    param = Param();
  };
  while (position < text.size()) {
    char symbol = text[position];
    if (symbol == ':') break;
    switch (symbol) {
      case 's': case 'n': case 'b': case 'l': case 'o':
        param.symbols = std::string(1, symbol) + "m";
        param.type = symbol;
        next();
        break;
      case 'a':
        param.symbols = "asnblfom";
        param.type = 'a';
        next();
        break;
      case 'f':
        param.symbols = "f";
        param.type = 'f';
        next();
        break;
      case 'j':
        param.symbols = "asnblom";
        param.type = 'j';
        next();
        break;
      case 'x':
        param.symbols = "asnblfom";
        param.type = 'x';
        next();
        break;
      case '-':
        if (prev) {
          prev->context = true;
          prev->context_symbols = prev->symbols;
          prev->quantifier = '?';
        }
        break;
      case '?':
      case '+':
        if (prev) prev->quantifier = symbol;
        break;
      case '(': {
        std::size_t end = closing(text, position, '(', ')');
        std::string choice(text.substr(position + 1, end - position - 1));
        if (choice.find('<') != std::string::npos) {
          Error e;
          e.code = "S0402";
          e.position = static_cast<int>(position);
          e.value = choice;
          throw e;
        }
        param.symbols = choice + "m";
        param.type = '(';
        position = end;
        next();
        break;
      }
      case '<': {
        if (prev && (prev->type == 'a' || prev->type == 'f')) {
          std::size_t end = closing(text, position, '<', '>');
          prev->subtype = std::string(text.substr(position + 1, end - position - 1));
          position = end;
        } else {
          Error e;
          e.code = "S0401";
          e.position = static_cast<int>(position);
          e.value = prev ? std::string(1, prev->type) : std::string();
          throw e;
        }
        break;
      }
      default: break;
    }
    ++position;
  }
  return sig;
}

bool Signature::match(const std::string& sig, std::size_t param, std::size_t pos, bool anchored,
                      std::vector<std::pair<std::size_t, std::size_t>>& spans, std::size_t limit) const {
  if (param == limit) return !anchored || pos == sig.size();
  const Param& p = params_[param];
  auto accepts = [&](std::size_t i) { return i < sig.size() && p.symbols.find(sig[i]) != std::string::npos; };
  if (p.quantifier == 0) {
    if (!accepts(pos)) return false;
    spans[param] = {pos, pos + 1};
    return match(sig, param + 1, pos + 1, anchored, spans, limit);
  }
  if (p.quantifier == '?') {
    if (accepts(pos)) {
      spans[param] = {pos, pos + 1};
      if (match(sig, param + 1, pos + 1, anchored, spans, limit)) return true;
    }
    spans[param] = {pos, pos};
    return match(sig, param + 1, pos, anchored, spans, limit);
  }
  std::size_t run = 0;
  while (accepts(pos + run)) ++run;
  for (std::size_t k = run; k >= 1; --k) {
    spans[param] = {pos, pos + k};
    if (match(sig, param + 1, pos + k, anchored, spans, limit)) return true;
  }
  return false;
}

namespace {
const char* plural(const std::string& subtype) {
  if (subtype == "a") return "arrays";
  if (subtype == "b") return "booleans";
  if (subtype == "f") return "functions";
  if (subtype == "n") return "numbers";
  if (subtype == "o") return "objects";
  if (subtype == "s") return "strings";
  return "";
}

[[noreturn]] void bad_arg(const char* code, const Value& v, std::size_t index) {
  Error e;
  e.code = code;
  if (!v.undefined()) {
    std::string s;
    stringify(v, s);
    e.value = s;
  }
  e.index = static_cast<int>(index);
  throw e;
}
}  // namespace

std::vector<Value> Signature::validate(const std::vector<Value>& args, const Value& context) const {
  std::string sig;
  sig.reserve(args.size());
  for (const auto& a : args) sig += type_symbol(a);
  std::vector<std::pair<std::size_t, std::size_t>> spans(params_.size());
  if (!match(sig, 0, 0, true, spans, params_.size())) {
    std::size_t good_to = 0;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      if (!match(sig, 0, 0, false, spans, i + 1)) {
        bad_arg("T0410", good_to < args.size() ? args[good_to] : Value(), good_to + 1);
      }
      good_to = spans[i].second;
    }
    bad_arg("T0410", good_to < args.size() ? args[good_to] : Value(), good_to + 1);
  }
  std::vector<Value> out;
  out.reserve(params_.size());
  std::size_t arg_index = 0;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Param& p = params_[i];
    std::string m = sig.substr(spans[i].first, spans[i].second - spans[i].first);
    if (m.empty()) {
      if (p.context) {
        char ct = type_symbol(context);
        if (p.context_symbols.find(ct) == std::string::npos) bad_arg("T0411", context, arg_index + 1);
        out.push_back(context);
      } else {
        out.push_back(arg_index < args.size() ? args[arg_index] : Value());
        ++arg_index;
      }
      continue;
    }
    for (char single : m) {
      Value arg = arg_index < args.size() ? args[arg_index] : Value();
      if (p.type == 'a') {
        if (single == 'm') {
          arg = Value();
        } else {
          bool ok = true;
          if (!p.subtype.empty()) {
            if (single != 'a' && m != p.subtype) {
              ok = false;
            } else if (single == 'a' && arg.size() > 0) {
              char item_type = type_symbol(arg.at(0));
              if (item_type != p.subtype[0]) {
                ok = false;
              } else {
                for (std::size_t k = 0; k < arg.size(); ++k)
                  if (type_symbol(arg.at(k)) != item_type) { ok = false; break; }
              }
            }
          }
          if (!ok) {
            Error e;
            e.code = "T0412";
            std::string s;
            stringify(arg, s);
            e.value = s;
            e.index = static_cast<int>(arg_index + 1);
            e.type = plural(p.subtype);
            throw e;
          }
          if (single != 'a') {
            auto a = new_array();
            a->items.push_back(arg);
            arg = Value::array(std::move(a));
          }
        }
      }
      out.push_back(std::move(arg));
      ++arg_index;
    }
  }
  return out;
}

}  // namespace stepd::jsonata
