// The tokenizer, the Pratt parser and the post-parse stage of jsonata-js
// (src/parser.js), ported step for step so that positions, error codes and
// the shape of the tree match the reference.

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "src/common/utf8.h"
#include "src/jsonata/ast.h"
#include "src/jsonata/error.h"
#include "src/jsonata/jsonata.h"
#include "src/jsonata/regex.h"

namespace stepd::jsonata {

namespace {

enum class Tok : unsigned char { kName, kVariable, kOperator, kString, kNumber, kValue, kRegex, kEnd };

bool is_operator_char(char c) {
  return c != 0 && std::strchr(".[]{}(),@#;:?+-*/%|=<>^&!~", c) != nullptr;
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'; }

int lbp_of(const std::string& id) {
  static const struct {
    const char* id;
    int bp;
  } kTable[] = {{".", 75}, {"[", 80}, {"{", 70}, {"(", 80}, {"@", 80}, {"#", 80}, {"?", 20}, {"+", 50},
                {"-", 50}, {"*", 60}, {"/", 60}, {"%", 60}, {"=", 40}, {"<", 40}, {">", 40}, {"^", 40},
                {":=", 10}, {"!=", 40}, {"<=", 40}, {">=", 40}, {"~>", 40}, {"?:", 40}, {"??", 40},
                {"and", 30}, {"or", 25}, {"in", 40}, {"&", 50}};
  for (const auto& e : kTable)
    if (id == e.id) return e.bp;
  return 0;
}

bool known_symbol(const std::string& op) {
  static const char* kSymbols[] = {":", ";", ",", ")", "]", "}", "..", ".", "+", "-", "*", "/", "%", "=", "<",
                                   ">", "!=", "<=", ">=", "&", "and", "or", "in", "~>", "??", "**", "(", "[",
                                   "^", "{", ":=", "@", "#", "?", "?:", "|"};
  for (const char* s : kSymbols)
    if (op == s) return true;
  return false;
}


struct Token {
  Tok type = Tok::kEnd;
  std::string value;
  Value literal;
  std::shared_ptr<const Regex> regex;
  int position = 0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  // The next token; `prefix` true where `/` is division, not a regex.
  bool next(bool prefix, Token& out) {
    if (pos_ >= src_.size()) return false;
    char c = ch(pos_);
    while (pos_ < src_.size() && is_space(c)) c = ch(++pos_);
    if (c == '/' && ch(pos_ + 1) == '*') {
      std::size_t start = pos_;
      pos_ += 2;
      c = ch(pos_);
      while (!(c == '*' && ch(pos_ + 1) == '/')) {
        c = ch(++pos_);
        if (pos_ >= src_.size()) fail("S0106", static_cast<int>(start));
      }
      pos_ += 2;
      return next(prefix, out);
    }
    if (!prefix && c == '/') {
      ++pos_;
      return scan_regex(out);
    }
    static const char* kDouble[] = {"..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"};
    for (const char* d : kDouble) {
      if (c == d[0] && ch(pos_ + 1) == d[1]) {
        pos_ += 2;
        return make(out, Tok::kOperator, d);
      }
    }
    if (is_operator_char(c)) {
      ++pos_;
      return make(out, Tok::kOperator, std::string(1, c));
    }
    if (c == '"' || c == '\'') return scan_string(c, out);
    if ((c >= '0' && c <= '9')) return scan_number(out);
    if (c == '`') {
      ++pos_;
      auto end = src_.find('`', pos_);
      if (end != std::string_view::npos) {
        std::string name(src_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return make(out, Tok::kName, name);
      }
      pos_ = src_.size();
      fail("S0105", static_cast<int>(pos_));
    }
    std::size_t i = pos_;
    for (;;) {
      char x = ch(i);
      if (i >= src_.size() || is_space(x) || is_operator_char(x)) {
        if (ch(pos_) == '$') {
          std::string name(src_.substr(pos_ + 1, i - pos_ - 1));
          pos_ = i;
          return make(out, Tok::kVariable, name);
        }
        std::string name(src_.substr(pos_, i - pos_));
        pos_ = i;
        if (name == "or" || name == "in" || name == "and") return make(out, Tok::kOperator, name);
        if (name == "true" || name == "false") {
          make(out, Tok::kValue, name);
          out.literal = Value::boolean(name == "true");
          return true;
        }
        if (name == "null") {
          make(out, Tok::kValue, name);
          out.literal = Value::null();
          return true;
        }
        if (pos_ == src_.size() && name.empty()) return false;
        return make(out, Tok::kName, name);
      }
      ++i;
    }
  }

 private:
  char ch(std::size_t i) const { return i < src_.size() ? src_[i] : '\0'; }

  bool make(Token& out, Tok type, std::string value) {
    out = Token();
    out.type = type;
    out.value = std::move(value);
    out.position = static_cast<int>(pos_);
    return true;
  }

  bool scan_regex(Token& out) {
    std::size_t start = pos_;
    int depth = 0;
    auto closing_slash = [&](std::size_t p) {
      if (ch(p) == '/' && depth == 0) {
        std::size_t backslashes = 0;
        while (p >= backslashes + 1 && ch(p - (backslashes + 1)) == '\\') ++backslashes;
        return backslashes % 2 == 0;
      }
      return false;
    };
    while (pos_ < src_.size()) {
      char c = ch(pos_);
      if (closing_slash(pos_)) {
        std::string pattern(src_.substr(start, pos_ - start));
        if (pattern.empty()) fail("S0301", static_cast<int>(pos_));
        ++pos_;
        std::size_t fstart = pos_;
        while (ch(pos_) == 'i' || ch(pos_) == 'm') ++pos_;
        std::string flags(src_.substr(fstart, pos_ - fstart));
        std::string err;
        auto re = Regex::compile(pattern, flags, &err);
        if (!re) {
          Error e;
          e.code = "S0303";
          e.position = static_cast<int>(pos_);
          e.message = "Invalid regular expression /" + pattern + "/: " + err;
          throw e;
        }
        make(out, Tok::kRegex, pattern);
        out.regex = std::move(re);
        return true;
      }
      if ((c == '(' || c == '[' || c == '{') && (pos_ == 0 || ch(pos_ - 1) != '\\')) ++depth;
      if ((c == ')' || c == ']' || c == '}') && (pos_ == 0 || ch(pos_ - 1) != '\\')) --depth;
      ++pos_;
    }
    fail("S0302", static_cast<int>(pos_));
  }

  bool scan_string(char quote, Token& out) {
    ++pos_;
    std::u16string units;
    while (pos_ < src_.size()) {
      char c = ch(pos_);
      if (c == '\\') {
        c = ch(++pos_);
        switch (c) {
          case '"': units += u'"'; break;
          case '\\': units += u'\\'; break;
          case '/': units += u'/'; break;
          case 'b': units += u'\b'; break;
          case 'f': units += u'\f'; break;
          case 'n': units += u'\n'; break;
          case 'r': units += u'\r'; break;
          case 't': units += u'\t'; break;
          case 'u': {
            std::string_view oct = src_.substr(std::min(pos_ + 1, src_.size()), 4);
            bool hex = !oct.empty();
            for (char h : oct) hex = hex && std::isxdigit(static_cast<unsigned char>(h));
            if (!hex) fail("S0104", static_cast<int>(pos_));
            units += static_cast<char16_t>(std::strtoul(std::string(oct).c_str(), nullptr, 16));
            pos_ += 4;
            break;
          }
          default: {
            Error e;
            e.code = "S0103";
            e.position = static_cast<int>(pos_);
            e.token = std::string(1, c);
            throw e;
          }
        }
      } else if (c == quote) {
        ++pos_;
        make(out, Tok::kString, to_utf8(units));
        out.literal = Value::string(out.value);
        return true;
      } else {
        // copy one UTF-8 character as UTF-16 units
        unsigned char b = static_cast<unsigned char>(c);
        unsigned cp = b;
        int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
        if (extra) cp = b & (0x3F >> extra);
        for (int k = 0; k < extra && pos_ + 1 < src_.size(); ++k) cp = (cp << 6) | (ch(++pos_) & 0x3F);
        if (cp >= 0x10000) {
          cp -= 0x10000;
          units += static_cast<char16_t>(0xD800 + (cp >> 10));
          units += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
        } else {
          units += static_cast<char16_t>(cp);
        }
      }
      ++pos_;
    }
    fail("S0101", static_cast<int>(pos_));
  }

  static std::string to_utf8(const std::u16string& u) {
    std::string out;
    out.reserve(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) {
      unsigned c = u[i];
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < u.size() && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
        utf8::append(out, 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00u));
        ++i;
      } else {
        utf8::append(out, c);  // a lone surrogate stays as WTF-8
      }
    }
    return out;
  }

  bool scan_number(Token& out) {
    std::size_t p = pos_;
    auto digit = [&](std::size_t i) { return ch(i) >= '0' && ch(i) <= '9'; };
    if (ch(p) == '0') {
      ++p;
    } else {
      while (digit(p)) ++p;
    }
    if (ch(p) == '.' && digit(p + 1)) {
      ++p;
      while (digit(p)) ++p;
    }
    if (ch(p) == 'e' || ch(p) == 'E') {
      std::size_t q = p + 1;
      if (ch(q) == '+' || ch(q) == '-') ++q;
      if (digit(q)) {
        while (digit(q)) ++q;
        p = q;
      }
    }
    std::string text(src_.substr(pos_, p - pos_));
    double num = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(num)) {
      Error e;
      e.code = "S0102";
      e.position = static_cast<int>(pos_);
      e.token = text;
      throw e;
    }
    pos_ = p;
    make(out, Tok::kNumber, text);
    out.literal = Value::number(num);
    return true;
  }

  std::string_view src_;
  std::size_t pos_ = 0;
};

NodePtr clone(const Node& n);

std::vector<NodePtr> clone_all(const std::vector<NodePtr>& v) {
  std::vector<NodePtr> out;
  for (const auto& x : v) out.push_back(x ? clone(*x) : nullptr);
  return out;
}

// A deep copy of a parse-stage node (the JSON.parse(JSON.stringify()) of
// `??` and `?:`).
NodePtr clone(const Node& n) {
  auto c = std::make_unique<Node>();
  c->type = n.type;
  c->op = n.op;
  c->position = n.position;
  c->value = n.value;
  c->literal = n.literal;
  for (auto [dst, src] : {std::pair{&c->lhs, &n.lhs}, {&c->rhs, &n.rhs}, {&c->expression, &n.expression},
                          {&c->condition, &n.condition}, {&c->then_, &n.then_}, {&c->else_, &n.else_},
                          {&c->pattern, &n.pattern}, {&c->update, &n.update}, {&c->del, &n.del},
                          {&c->procedure, &n.procedure}, {&c->body, &n.body}}) {
    if (*src) *dst = clone(**src);
  }
  c->steps = clone_all(n.steps);
  c->expressions = clone_all(n.expressions);
  c->arguments = clone_all(n.arguments);
  for (const auto& p : n.pairs) c->pairs.emplace_back(clone(*p.first), clone(*p.second));
  for (const auto& t : n.terms) c->terms.push_back(SortTerm{t.descending, clone(*t.expr)});
  c->keep_array = n.keep_array;
  c->signature = n.signature;
  c->regex = n.regex;
  c->params = n.params;
  return c;
}

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src), lexer_(src) {}

  NodePtr run() {
    advance();
    NodePtr expr = expression(0);
    if (id(*node_) != "(end)") {
      Error e;
      e.code = "S0201";
      e.position = node_->position;
      e.token = node_->value;
      throw e;
    }
    expr = process(std::move(expr));
    if (expr->type == NodeType::kParent || expr->seeking_parent_defined) {
      Error e;
      e.code = "S0217";
      e.position = expr->position;
      e.token = expr->type == NodeType::kParent ? "parent" : "path";
      throw e;
    }
    return expr;
  }

 private:
  static std::string id(const Node& n) {
    switch (n.type) {
      case NodeType::kEnd: return "(end)";
      case NodeType::kName:
      case NodeType::kVariable: return "(name)";
      case NodeType::kString:
      case NodeType::kNumber:
      case NodeType::kValue: return "(literal)";
      case NodeType::kRegex: return "(regex)";
      default: return n.value;
    }
  }

  Node* advance(const char* want = nullptr, bool infix = false) {
    if (want && (!node_ || id(*node_) != want)) {
      Error e;
      e.code = node_ && node_->type == NodeType::kEnd ? "S0203" : "S0202";
      e.position = node_ ? node_->position : 0;
      e.token = node_ ? node_->value : "";
      e.value = want;
      throw e;
    }
    Token t;
    node_ = std::make_unique<Node>();
    if (!lexer_.next(infix, t)) {
      node_->type = NodeType::kEnd;
      node_->value = "(end)";
      node_->position = static_cast<int>(src_.size());
      return node_.get();
    }
    node_->value = t.value;
    node_->position = t.position;
    node_->literal = t.literal;
    switch (t.type) {
      case Tok::kName: node_->type = NodeType::kName; break;
      case Tok::kVariable: node_->type = NodeType::kVariable; break;
      case Tok::kString: node_->type = NodeType::kString; break;
      case Tok::kNumber: node_->type = NodeType::kNumber; break;
      case Tok::kValue: node_->type = NodeType::kValue; break;
      case Tok::kRegex:
        node_->type = NodeType::kRegex;
        node_->regex = t.regex;
        break;
      case Tok::kOperator:
        if (!known_symbol(t.value)) {
          Error e;
          e.code = "S0204";
          e.position = t.position;
          e.token = t.value;
          throw e;
        }
        node_->type = NodeType::kOperator;
        break;
      case Tok::kEnd: break;
    }
    return node_.get();
  }

  int lbp(const Node& n) const { return n.type == NodeType::kOperator ? lbp_of(n.value) : 0; }
  bool at(const char* op) const { return node_->type == NodeType::kOperator && node_->value == op; }

  // The nesting guard. Every expression() call, and every operator one
  // call chains onto its left operand, makes the tree one level deeper;
  // process(), clone() and the tree's destructor all recurse through it.
  // Past kMaxParseDepth the parse fails with U1001 (the evaluator's stack
  // error) instead of overflowing the native stack: jsonata-js has no
  // such limit, JavaScript's own stack overflow ends it.
  class Nesting {
   public:
    Nesting(Parser& p, int position) : p_(p) { deeper(position); }
    ~Nesting() { p_.depth_ -= levels_; }
    void deeper(int position) {
      ++levels_;
      if (++p_.depth_ > kMaxParseDepth) {
        Error e;
        e.code = "U1001";
        e.position = position;
        e.message = "Stack overflow error: the expression is nested more than " + std::to_string(kMaxParseDepth) +
                    " levels deep";
        throw e;
      }
    }

   private:
    Parser& p_;
    int levels_ = 0;
  };

  NodePtr expression(int rbp) {
    Nesting nesting(*this, node_->position);
    NodePtr t = std::move(node_);
    advance(nullptr, true);
    NodePtr left = nud(std::move(t));
    while (rbp < lbp(*node_)) {
      nesting.deeper(node_->position);
      t = std::move(node_);
      advance();
      left = led(std::move(t), std::move(left));
    }
    return left;
  }

  [[noreturn]] void unary_error(const Node& t) {
    Error e;
    e.code = "S0211";
    e.position = t.position;
    e.token = t.value;
    throw e;
  }

  NodePtr nud(NodePtr t) {
    if (t->type != NodeType::kOperator) return t;  // names, variables, literals, regex, (end)
    const std::string& v = t->value;
    if (v == "and" || v == "or" || v == "in") return t;
    if (v == "-") {
      t->expression = expression(70);
      t->type = NodeType::kUnary;
      t->op = Op::kNeg;
      return t;
    }
    if (v == "*") { t->type = NodeType::kWildcard; return t; }
    if (v == "**") { t->type = NodeType::kDescendant; return t; }
    if (v == "%") { t->type = NodeType::kParent; return t; }
    if (v == "(") {
      while (!at(")")) {
        t->expressions.push_back(expression(0));
        if (!at(";")) break;
        advance(";");
      }
      advance(")", true);
      t->type = NodeType::kBlock;
      return t;
    }
    if (v == "[") {
      if (!at("]")) {
        for (;;) {
          NodePtr item = expression(0);
          if (at("..")) {
            auto range = std::make_unique<Node>();
            range->type = NodeType::kBinary;
            range->value = "..";
            range->op = Op::kRange;
            range->position = node_->position;
            range->lhs = std::move(item);
            advance("..");
            range->rhs = expression(0);
            item = std::move(range);
          }
          t->expressions.push_back(std::move(item));
          if (!at(",")) break;
          advance(",");
        }
      }
      advance("]", true);
      t->type = NodeType::kUnary;
      t->op = Op::kArray;
      return t;
    }
    if (v == "{") return object_parser(std::move(t), nullptr);
    if (v == "|") {
      t->type = NodeType::kTransform;
      t->pattern = expression(0);
      advance("|");
      t->update = expression(0);
      if (at(",")) {
        advance(",");
        t->del = expression(0);
      }
      advance("|");
      return t;
    }
    unary_error(*t);
  }

  NodePtr object_parser(NodePtr t, NodePtr left) {
    std::vector<std::pair<NodePtr, NodePtr>> pairs;
    if (!at("}")) {
      for (;;) {
        NodePtr n = expression(0);
        advance(":");
        NodePtr v = expression(0);
        pairs.emplace_back(std::move(n), std::move(v));
        if (!at(",")) break;
        advance(",");
      }
    }
    advance("}", true);
    t->pairs = std::move(pairs);
    t->op = Op::kObject;
    if (!left) {
      t->type = NodeType::kUnary;
    } else {
      t->lhs = std::move(left);
      t->type = NodeType::kBinary;
    }
    return t;
  }

  static Op binary_op(const std::string& v) {
    static const struct {
      const char* text;
      Op op;
    } kOps[] = {{".", Op::kDot}, {"+", Op::kPlus}, {"-", Op::kMinus}, {"*", Op::kMul}, {"/", Op::kDiv},
                {"%", Op::kMod}, {"=", Op::kEq}, {"!=", Op::kNe}, {"<", Op::kLt}, {"<=", Op::kLe},
                {">", Op::kGt}, {">=", Op::kGe}, {"&", Op::kConcat}, {"and", Op::kAnd}, {"or", Op::kOr},
                {"in", Op::kIn}, {"..", Op::kRange}};
    for (const auto& o : kOps)
      if (v == o.text) return o.op;
    return Op::kNone;
  }

  NodePtr led(NodePtr t, NodePtr left) {
    const std::string v = t->value;
    if (t->type != NodeType::kOperator) unary_error(*t);
    if (v == "??") {
      t->type = NodeType::kCondition;
      auto cond = std::make_unique<Node>();
      cond->type = NodeType::kFunction;
      cond->value = "(";
      cond->position = t->position;
      auto proc = std::make_unique<Node>();
      proc->type = NodeType::kVariable;
      proc->value = "exists";
      proc->position = t->position;
      cond->procedure = std::move(proc);
      cond->arguments.push_back(clone(*left));
      t->condition = std::move(cond);
      t->then_ = std::move(left);
      t->else_ = expression(0);
      return t;
    }
    if (v == "?:") {
      t->type = NodeType::kCondition;
      t->condition = clone(*left);
      t->then_ = std::move(left);
      t->else_ = expression(0);
      return t;
    }
    if (v == "(") return call(std::move(t), std::move(left));
    if (v == "[") {
      if (at("]")) {
        Node* step = left.get();
        while (step && step->type == NodeType::kBinary && step->value == "[") step = step->lhs.get();
        step->keep_array = true;
        advance("]");
        return left;
      }
      t->lhs = std::move(left);
      t->rhs = expression(0);
      t->type = NodeType::kBinary;
      advance("]", true);
      return t;
    }
    if (v == "^") {
      advance("(");
      for (;;) {
        SortTerm term;
        if (at("<")) {
          advance("<");
        } else if (at(">")) {
          term.descending = true;
          advance(">");
        }
        term.expr = expression(0);
        t->terms.push_back(std::move(term));
        if (!at(",")) break;
        advance(",");
      }
      advance(")");
      t->lhs = std::move(left);
      t->type = NodeType::kBinary;
      return t;
    }
    if (v == "{") return object_parser(std::move(t), std::move(left));
    if (v == ":=") {
      if (left->type != NodeType::kVariable) {
        Error e;
        e.code = "S0212";
        e.position = left->position;
        e.token = left->value;
        throw e;
      }
      t->lhs = std::move(left);
      t->rhs = expression(lbp_of(":=") - 1);
      t->type = NodeType::kBinary;
      return t;
    }
    if (v == "@" || v == "#") {
      t->lhs = std::move(left);
      t->rhs = expression(lbp_of(v));
      if (t->rhs->type != NodeType::kVariable) {
        Error e;
        e.code = "S0214";
        e.position = t->rhs->position;
        e.token = v;
        throw e;
      }
      t->type = NodeType::kBinary;
      return t;
    }
    if (v == "?") {
      t->type = NodeType::kCondition;
      t->condition = std::move(left);
      t->then_ = expression(0);
      if (at(":")) {
        advance(":");
        t->else_ = expression(0);
      }
      return t;
    }
    Op op = binary_op(v);
    if (op == Op::kNone && v != "~>") unary_error(*t);
    t->lhs = std::move(left);
    t->rhs = expression(lbp_of(v));
    t->type = NodeType::kBinary;
    t->op = op;
    return t;
  }

  NodePtr call(NodePtr t, NodePtr left) {
    t->type = NodeType::kFunction;
    if (!at(")")) {
      for (;;) {
        if (node_->type == NodeType::kOperator && node_->value == "?") {
          t->type = NodeType::kPartial;
          auto placeholder = std::make_unique<Node>();
          placeholder->type = NodeType::kOperator;
          placeholder->value = "?";
          placeholder->position = node_->position;
          t->arguments.push_back(std::move(placeholder));
          advance("?");
        } else {
          t->arguments.push_back(expression(0));
        }
        if (!at(",")) break;
        advance(",");
      }
    }
    advance(")", true);
    if (left->type == NodeType::kName && (left->value == "function" || left->value == "\xCE\xBB")) {
      for (std::size_t i = 0; i < t->arguments.size(); ++i) {
        const Node& arg = *t->arguments[i];
        if (arg.type != NodeType::kVariable) {
          Error e;
          e.code = "S0208";
          e.position = arg.position;
          e.token = arg.value;
          e.value = std::to_string(i + 1);
          throw e;
        }
        t->params.push_back(arg.value);
      }
      t->type = NodeType::kLambda;
      if (at("<")) {
        int sig_pos = node_->position;
        int depth = 1;
        std::string sig = "<";
        while (depth > 0 && !at("{") && node_->type != NodeType::kEnd) {
          Node* tok = advance();
          if (tok->type == NodeType::kOperator && tok->value == ">") --depth;
          else if (tok->type == NodeType::kOperator && tok->value == "<") ++depth;
          sig += tok->value;
        }
        advance(">");
        try {
          t->signature = Signature::parse(sig);
        } catch (Error& e) {
          e.position = sig_pos + e.position;
          throw;
        }
      }
      advance("{");
      t->body = expression(0);
      advance("}");
      t->arguments.clear();
    }
    t->procedure = std::move(left);
    return t;
  }

  // ---- the post-parse stage (processAST) ----

  static NodePtr tail_call_optimize(NodePtr expr) {
    if (expr->type == NodeType::kFunction && expr->predicate.empty()) {
      auto thunk = std::make_unique<Node>();
      thunk->type = NodeType::kLambda;
      thunk->thunk = true;
      thunk->position = expr->position;
      thunk->body = std::move(expr);
      return thunk;
    }
    if (expr->type == NodeType::kCondition) {
      expr->then_ = tail_call_optimize(std::move(expr->then_));
      if (expr->else_) expr->else_ = tail_call_optimize(std::move(expr->else_));
      return expr;
    }
    if (expr->type == NodeType::kBlock) {
      if (!expr->expressions.empty()) {
        expr->expressions.back() = tail_call_optimize(std::move(expr->expressions.back()));
      }
      return expr;
    }
    return expr;
  }

  std::shared_ptr<Slot> seek_parent(Node& node, std::shared_ptr<Slot> slot) {
    switch (node.type) {
      case NodeType::kName:
      case NodeType::kWildcard:
        slot->level--;
        if (slot->level == 0) {
          if (!node.ancestor) {
            node.ancestor = slot;
          } else {
            ancestry_[static_cast<std::size_t>(slot->index)]->label = node.ancestor->label;
            node.ancestor = slot;
          }
          node.tuple = true;
        }
        break;
      case NodeType::kParent: slot->level++; break;
      case NodeType::kBlock:
        if (!node.expressions.empty()) {
          node.tuple = true;
          slot = seek_parent(*node.expressions.back(), slot);
        }
        break;
      case NodeType::kPath: {
        node.tuple = true;
        int index = static_cast<int>(node.steps.size()) - 1;
        slot = seek_parent(*node.steps[static_cast<std::size_t>(index--)], slot);
        while (slot->level > 0 && index >= 0) slot = seek_parent(*node.steps[static_cast<std::size_t>(index--)], slot);
        break;
      }
      default: {
        Error e;
        e.code = "S0217";
        e.position = node.position;
        e.token = "expression";
        throw e;
      }
    }
    return slot;
  }

  static void push_ancestry(Node& result, Node& value) {
    if (value.seeking_parent_defined || value.type == NodeType::kParent) {
      std::vector<std::shared_ptr<Slot>> slots = value.seeking_parent;
      if (value.type == NodeType::kParent) slots.push_back(value.slot);
      if (!result.seeking_parent_defined) {
        result.seeking_parent_defined = true;
        result.seeking_parent = slots;
      } else {
        result.seeking_parent.insert(result.seeking_parent.end(), slots.begin(), slots.end());
      }
    }
  }

  void resolve_ancestry(Node& path) {
    int index = static_cast<int>(path.steps.size()) - 1;
    Node& last = *path.steps[static_cast<std::size_t>(index)];
    std::vector<std::shared_ptr<Slot>> slots = last.seeking_parent;
    if (last.type == NodeType::kParent) slots.push_back(last.slot);
    for (auto slot : slots) {
      index = static_cast<int>(path.steps.size()) - 2;
      while (slot->level > 0) {
        if (index < 0) {
          path.seeking_parent_defined = true;
          path.seeking_parent.push_back(slot);
          break;
        }
        Node* step = path.steps[static_cast<std::size_t>(index--)].get();
        while (index >= 0 && step->has_focus && path.steps[static_cast<std::size_t>(index)]->has_focus) {
          step = path.steps[static_cast<std::size_t>(index--)].get();
        }
        slot = seek_parent(*step, slot);
      }
    }
  }

  static NodePtr make_path(NodePtr step) {
    auto p = std::make_unique<Node>();
    p->type = NodeType::kPath;
    p->position = step->position;
    p->steps.push_back(std::move(step));
    return p;
  }

  NodePtr process(NodePtr expr) {
    NodePtr result;
    bool keep_array = expr->keep_array;
    switch (expr->type) {
      case NodeType::kBinary: {
        const std::string v = expr->value;
        if (v == ".") {
          NodePtr lstep = process(std::move(expr->lhs));
          bool lparent = lstep->type == NodeType::kParent;
          std::shared_ptr<Slot> lslot = lstep->slot;
          if (lstep->type == NodeType::kPath) {
            result = std::move(lstep);
          } else {
            result = make_path(std::move(lstep));
          }
          if (lparent) {
            result->seeking_parent_defined = true;
            result->seeking_parent = {lslot};
          }
          NodePtr rest = process(std::move(expr->rhs));
          if (rest->type == NodeType::kPath) {
            for (auto& s : rest->steps) result->steps.push_back(std::move(s));
          } else {
            if (!rest->predicate.empty()) {
              rest->stages = std::move(rest->predicate);
              rest->predicate.clear();
            }
            result->steps.push_back(std::move(rest));
          }
          for (auto& step : result->steps) {
            if (step->type == NodeType::kNumber || step->type == NodeType::kValue) {
              Error e;
              e.code = "S0213";
              e.position = step->position;
              e.value = step->value;
              throw e;
            }
            if (step->type == NodeType::kString) step->type = NodeType::kName;
          }
          for (auto& step : result->steps)
            if (step->keep_array) result->keep_singleton_array = true;
          Node& first = *result->steps.front();
          if (first.type == NodeType::kUnary && first.op == Op::kArray) first.consarray = true;
          Node& last = *result->steps.back();
          if (last.type == NodeType::kUnary && last.op == Op::kArray) last.consarray = true;
          resolve_ancestry(*result);
        } else if (v == "[") {
          result = process(std::move(expr->lhs));
          Node* step = result.get();
          bool stages = false;
          if (result->type == NodeType::kPath) {
            step = result->steps.back().get();
            stages = true;
          }
          if (step->group) fail("S0209", expr->position);
          NodePtr pred = process(std::move(expr->rhs));
          if (pred->seeking_parent_defined) {
            for (auto& slot : pred->seeking_parent) {
              if (slot->level == 1) {
                seek_parent(*step, slot);
              } else {
                slot->level--;
              }
            }
            push_ancestry(*step, *pred);
          }
          Stage st;
          st.expr = std::move(pred);
          st.position = expr->position;
          (stages ? step->stages : step->predicate).push_back(std::move(st));
        } else if (v == "{") {
          result = process(std::move(expr->lhs));
          if (result->group) fail("S0210", expr->position);
          auto g = std::make_unique<Group>();
          g->position = expr->position;
          for (auto& p : expr->pairs) g->pairs.emplace_back(process(std::move(p.first)), process(std::move(p.second)));
          result->group = std::move(g);
        } else if (v == "^") {
          result = process(std::move(expr->lhs));
          if (result->type != NodeType::kPath) result = make_path(std::move(result));
          auto sort = std::make_unique<Node>();
          sort->type = NodeType::kSort;
          sort->position = expr->position;
          for (auto& term : expr->terms) {
            NodePtr e = process(std::move(term.expr));
            push_ancestry(*sort, *e);
            sort->terms.push_back(SortTerm{term.descending, std::move(e)});
          }
          result->steps.push_back(std::move(sort));
          resolve_ancestry(*result);
        } else if (v == ":=") {
          result = std::make_unique<Node>();
          result->type = NodeType::kBind;
          result->value = v;
          result->position = expr->position;
          result->lhs = process(std::move(expr->lhs));
          result->rhs = process(std::move(expr->rhs));
          push_ancestry(*result, *result->rhs);
        } else if (v == "@") {
          std::string focus = expr->rhs->value;
          result = process(std::move(expr->lhs));
          Node* step = result.get();
          if (result->type == NodeType::kPath) step = result->steps.back().get();
          if (!step->stages.empty() || !step->predicate.empty()) fail("S0215", expr->position);
          if (step->type == NodeType::kSort) fail("S0216", expr->position);
          if (expr->keep_array) step->keep_array = true;
          step->focus = focus;
          step->has_focus = true;
          step->tuple = true;
        } else if (v == "#") {
          std::string index = expr->rhs->value;
          result = process(std::move(expr->lhs));
          Node* step = result.get();
          if (result->type == NodeType::kPath) {
            step = result->steps.back().get();
          } else {
            if (!result->predicate.empty()) {
              result->stages = std::move(result->predicate);
              result->predicate.clear();
            }
            result = make_path(std::move(result));
            step = result->steps.back().get();
          }
          if (step->stages.empty()) {
            step->index = index;
            step->has_index = true;
          } else {
            Stage st;
            st.is_index = true;
            st.value = index;
            st.position = expr->position;
            step->stages.push_back(std::move(st));
          }
          step->tuple = true;
        } else if (v == "~>") {
          result = std::make_unique<Node>();
          result->type = NodeType::kApply;
          result->value = v;
          result->position = expr->position;
          result->lhs = process(std::move(expr->lhs));
          result->rhs = process(std::move(expr->rhs));
          result->keep_array = result->lhs->keep_array || result->rhs->keep_array;
        } else {
          result = std::make_unique<Node>();
          result->type = NodeType::kBinary;
          result->value = v;
          result->op = expr->op;
          result->position = expr->position;
          result->lhs = process(std::move(expr->lhs));
          result->rhs = process(std::move(expr->rhs));
          push_ancestry(*result, *result->lhs);
          push_ancestry(*result, *result->rhs);
        }
        break;
      }
      case NodeType::kUnary: {
        result = std::make_unique<Node>();
        result->type = NodeType::kUnary;
        result->value = expr->value;
        result->op = expr->op;
        result->position = expr->position;
        if (expr->op == Op::kArray) {
          for (auto& item : expr->expressions) {
            NodePtr v = process(std::move(item));
            push_ancestry(*result, *v);
            result->expressions.push_back(std::move(v));
          }
        } else if (expr->op == Op::kObject) {
          for (auto& p : expr->pairs) {
            NodePtr k = process(std::move(p.first));
            push_ancestry(*result, *k);
            NodePtr v = process(std::move(p.second));
            push_ancestry(*result, *v);
            result->pairs.emplace_back(std::move(k), std::move(v));
          }
        } else {
          result->expression = process(std::move(expr->expression));
          if (result->expression->type == NodeType::kNumber) {
            NodePtr num = std::move(result->expression);
            num->literal = Value::number(-num->literal.as_number());
            result = std::move(num);
          } else {
            push_ancestry(*result, *result->expression);
          }
        }
        break;
      }
      case NodeType::kFunction:
      case NodeType::kPartial: {
        result = std::make_unique<Node>();
        result->type = expr->type;
        result->value = expr->value;
        result->position = expr->position;
        for (auto& arg : expr->arguments) {
          NodePtr a = process(std::move(arg));
          push_ancestry(*result, *a);
          result->arguments.push_back(std::move(a));
        }
        result->procedure = process(std::move(expr->procedure));
        break;
      }
      case NodeType::kLambda: {
        result = std::make_unique<Node>();
        result->type = NodeType::kLambda;
        result->params = expr->params;
        result->signature = expr->signature;
        result->position = expr->position;
        result->body = tail_call_optimize(process(std::move(expr->body)));
        break;
      }
      case NodeType::kCondition: {
        result = std::make_unique<Node>();
        result->type = NodeType::kCondition;
        result->position = expr->position;
        result->condition = process(std::move(expr->condition));
        push_ancestry(*result, *result->condition);
        result->then_ = process(std::move(expr->then_));
        push_ancestry(*result, *result->then_);
        if (expr->else_) {
          result->else_ = process(std::move(expr->else_));
          push_ancestry(*result, *result->else_);
        }
        break;
      }
      case NodeType::kTransform: {
        result = std::make_unique<Node>();
        result->type = NodeType::kTransform;
        result->position = expr->position;
        result->pattern = process(std::move(expr->pattern));
        result->update = process(std::move(expr->update));
        if (expr->del) result->del = process(std::move(expr->del));
        break;
      }
      case NodeType::kBlock: {
        result = std::make_unique<Node>();
        result->type = NodeType::kBlock;
        result->position = expr->position;
        for (auto& item : expr->expressions) {
          NodePtr part = process(std::move(item));
          push_ancestry(*result, *part);
          if (part->consarray || (part->type == NodeType::kPath && part->steps[0]->consarray)) result->consarray = true;
          result->expressions.push_back(std::move(part));
        }
        break;
      }
      case NodeType::kName: {
        bool keep = expr->keep_array;
        result = make_path(std::move(expr));
        if (keep) result->keep_singleton_array = true;
        break;
      }
      case NodeType::kParent: {
        result = std::make_unique<Node>();
        result->type = NodeType::kParent;
        result->position = expr->position;
        auto slot = std::make_shared<Slot>();
        slot->label = "!" + std::to_string(ancestor_label_++);
        slot->level = 1;
        slot->index = ancestor_index_++;
        result->slot = slot;
        ancestry_.push_back(slot);
        break;
      }
      case NodeType::kString:
      case NodeType::kNumber:
      case NodeType::kValue:
      case NodeType::kWildcard:
      case NodeType::kDescendant:
      case NodeType::kVariable:
      case NodeType::kRegex: result = std::move(expr); break;
      case NodeType::kOperator: {
        if (expr->value == "and" || expr->value == "or" || expr->value == "in") {
          expr->type = NodeType::kName;
          return process(std::move(expr));
        }
        if (expr->value == "?") {
          result = std::move(expr);
          break;
        }
        Error e;
        e.code = "S0201";
        e.position = expr->position;
        e.token = expr->value;
        throw e;
      }
      default: {
        Error e;
        e.code = expr->type == NodeType::kEnd ? "S0207" : "S0206";
        e.position = expr->position;
        e.token = expr->value;
        throw e;
      }
    }
    if (keep_array) result->keep_array = true;
    return result;
  }

  std::string_view src_;
  Lexer lexer_;
  NodePtr node_;
  int depth_ = 0;  // the Nesting levels open now
  int ancestor_label_ = 0;
  int ancestor_index_ = 0;
  std::vector<std::shared_ptr<Slot>> ancestry_;
};

}  // namespace

NodePtr parse(std::string_view text) { return Parser(text).run(); }

}  // namespace stepd::jsonata
