#include "src/jsonpath/jsonpath.h"

#include <map>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "src/common/json.h"

namespace {

using stepd::Code;
using stepd::jsonpath::Documents;
using stepd::jsonpath::InputOnly;
using stepd::jsonpath::Path;
using stepd::jsonpath::Root;
namespace bj = boost::json;

bj::value J(std::string_view text) {
  auto r = stepd::json::parse(text);
  REQUIRE(r.ok());
  return std::move(r).value();
}

Path P(std::string_view text) {
  auto r = Path::parse(text);
  INFO(text << ": " << r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

// The value `path` yields on `doc`; the evaluation must succeed.
bj::value eval(std::string_view path, std::string_view doc) {
  auto r = P(path).eval_on(J(doc));
  INFO(path << ": " << r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

// The kNotFound message `path` fails with on `doc`.
std::string failure(std::string_view path, std::string_view doc) {
  auto r = P(path).eval_on(J(doc));
  INFO(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNotFound);
  return r.status().message();
}

std::string parse_error(std::string_view path) {
  auto r = Path::parse(path);
  INFO(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  return r.status().message();
}

// Documents with a context object and named variables.
class TestDocs : public Documents {
 public:
  TestDocs(bj::value input, bj::value context) : input_(std::move(input)), context_(std::move(context)) {}
  const bj::value& input() const override { return input_; }
  const bj::value& context() const override { return context_; }
  const bj::value* variable(std::string_view name) const override {
    auto it = vars_.find(std::string(name));
    return it == vars_.end() ? nullptr : &it->second;
  }
  std::map<std::string, bj::value> vars_;

 private:
  bj::value input_, context_;
};

const char* kStore = R"({
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord", "isbn": "0-395", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10
})";

}  // namespace

TEST_CASE("a dotted path names the nested node itself, without copying") {
  bj::value doc = J(R"({"a":{"b":[1,2]},"c":3})");
  Path p = P("$.a.b");
  InputOnly docs(doc);
  const bj::value* found = p.find(docs);
  REQUIRE(found != nullptr);
  CHECK(found == &doc.at("a").at("b"));
  CHECK(p.find_on(doc) == found);
  CHECK(p.eval(docs).value() == J("[1,2]"));
  CHECK(p.text() == "$.a.b");
  CHECK(p.root() == Root::kInput);
}

TEST_CASE("the bare root names the whole document") {
  bj::value doc = J(R"({"a":1})");
  Path p = P("$");
  CHECK(p.is_root());
  CHECK(p.is_definite());
  CHECK(p.is_reference());
  CHECK(p.find_on(doc) == &doc);
  CHECK(eval("$", "[1,\"x\"]") == J("[1,\"x\"]"));
  CHECK_FALSE(P("$.a").is_root());
}

TEST_CASE("bracket names take any characters, either quote and an escaped quote") {
  const char* doc = R"({"a b":1,"x":2,"it's":3,"q\"":4,"a.b":5,"":6,"\\u00e9":7,"T\\\"":8})";
  CHECK(eval("$['a b']", doc) == J("1"));
  CHECK(eval("$[\"x\"]", doc) == J("2"));
  CHECK(eval(R"($['it\'s'])", doc) == J("3"));
  CHECK(eval(R"($["q\""])", doc) == J("4"));
  CHECK(eval("$['a.b']", doc) == J("5"));
  CHECK(eval("$['']", doc) == J("6"));
  // Other backslashes stay as written: AWS read $['Test\""Name"'] as the key
  // Test\""Name" (scenarios test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH]).
  CHECK(eval(R"($['\u00e9'])", doc) == J("7"));
  CHECK(eval(R"($['T\"'])", doc) == J("8"));
  CHECK(eval("$[ 'x' ]", doc) == J("2"));
  // Jayway reads `.[` as `[`; AWS templates use `$.[?(...)]`.
  CHECK(eval("$.['x']", doc) == J("2"));
}

TEST_CASE("dot notation accepts the unusual characters Jayway accepts in names") {
  const char* doc = R"({"a-b":1,"ünï":2,"a:b":3,"$x":4,"a*b":5})";
  CHECK(eval("$.a-b", doc) == J("1"));
  CHECK(eval("$.ünï", doc) == J("2"));
  CHECK(eval("$.a:b", doc) == J("3"));
  CHECK(eval("$.$x", doc) == J("4"));
  CHECK(eval("$.a*b", doc) == J("5"));
}

TEST_CASE("indexes count from the start and, when negative, from the end") {
  const char* doc = R"({"a":[10,20,30]})";
  CHECK(eval("$.a[0]", doc) == J("10"));
  CHECK(eval("$.a[2]", doc) == J("30"));
  CHECK(eval("$.a[-1]", doc) == J("30"));
  CHECK(eval("$.a[-3]", doc) == J("10"));
  CHECK(eval("$[1]", "[5,6]") == J("6"));
  CHECK(eval("$.a.0", R"({"a":{"0":"key"}})") == J("\"key\""));
  bj::value d = J(doc);
  CHECK(P("$.a[-1]").find_on(d) == &d.at("a").at(2));
}

TEST_CASE("a missing leaf fails with Jayway's No results message over the whole path") {
  // Recorded AWS cause: Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']
  CHECK(failure("$.NoSuchOutputPath", R"({"a":1})") == "No results for path: $['NoSuchOutputPath']");
  CHECK(failure("$.a.b", R"({"a":{"c":1}})") == "No results for path: $['a']['b']");
  CHECK(failure("$['x y']", R"({})") == "No results for path: $['x y']");
  CHECK(failure("$[\"x\"]", R"({})") == "No results for path: $[\"x\"]");
  CHECK(failure("$.a[5]", R"({"a":[1]})") == "No results for path: $['a'][5]");
  CHECK(failure("$.a[-2]", R"({"a":[1]})") == "No results for path: $['a'][-2]");
  // An index out of range is skipped silently, so the whole path is quoted.
  CHECK(failure("$.a[5].b", R"({"a":[1]})") == "No results for path: $['a'][5]['b']");
  CHECK(P("$.NoSuchOutputPath").find_on(J("{}")) == nullptr);
}

TEST_CASE("a missing property before the leaf fails with Missing property up to that property") {
  // Recorded AWS cause: Invalid path '$.no.such.result.path' : Missing property in path $['no']
  CHECK(failure("$.no.such.result.path", R"({"a":1})") == "Missing property in path $['no']");
  CHECK(failure("$.a.b.c", R"({"a":{"x":1}})") == "Missing property in path $['a']['b']");
  CHECK(failure("$.a[0].b.c", R"({"a":[{}]})") == "Missing property in path $['a'][0]['b']");
}

TEST_CASE("a property of something that is not an object fails with Jayway's provider message") {
  CHECK(failure("$.a.b", R"({"a":"text"})") ==
        "Expected to find an object with property ['b'] in path $['a'] but found 'java.lang.String'. "
        "This is not a json object according to the JsonProvider: "
        "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.");
  CHECK(failure("$.a.b", R"({"a":null})").find("but found 'null'") != std::string::npos);
  CHECK(failure("$.a.b", R"({"a":[1]})").find("but found 'net.minidev.json.JSONArray'") != std::string::npos);
  CHECK(failure("$.a", "5").find("in path $ but found 'java.lang.Integer'") != std::string::npos);
}

TEST_CASE("an index into something that is not an array fails with Jayway's filter message") {
  CHECK(failure("$.a[0].b", R"({"a":{"x":1}})") ==
        "Filter: [0]['b'] can only be applied to arrays. Current context is: {\"x\":1}");
  CHECK(failure("$.a[0]", R"({"a":"str"})") == "Filter: [0] can only be applied to arrays. Current context is: str");
  CHECK(failure("$.a[1]", R"({"a":null})") == "The path $['a'] is null");
}

TEST_CASE("a wildcard yields every member of an object or array in order") {
  CHECK(eval("$.a[*]", R"({"a":[1,"x",null]})") == J(R"([1,"x",null])"));
  CHECK(eval("$.a.*", R"({"a":{"z":1,"y":2}})") == J("[1,2]"));
  CHECK(eval("$[*]", R"({"z":{"k":1},"y":2})") == J(R"([{"k":1},2])"));
  CHECK(eval("$.a[*].b", R"({"a":[{"b":1},{"c":2},{"b":3},5]})") == J("[1,3]"));
  CHECK(eval("$.a[ * ]", R"({"a":[1]})") == J("[1]"));
  CHECK(eval("$.a[*]", R"({"a":7})") == J("[]"));
}

TEST_CASE("an indefinite path yields an empty array where nothing matches") {
  // Recorded AWS outputs (test_json_path_array_wildcard_or_slice_with_no_input): all [] on {}.
  for (const char* p : {"$[*]", "$.items[*]", "$.items[1:]", "$.items[:1]", "$.item.items[*]",
                        "$.item.items[1:]", "$.item.items[1:5]", "$.items[*].itemValue",
                        "$.item.items[1:5].itemValue", "$..x", "$.a[?(@.b)]"}) {
    INFO(p);
    CHECK(eval(p, "{}") == J("[]"));
  }
}

TEST_CASE("slices follow Jayway, including its handling of negative bounds") {
  const char* doc = R"({"a":[0,1,2,3,4]})";
  CHECK(eval("$.a[1:3]", doc) == J("[1,2]"));
  CHECK(eval("$.a[:2]", doc) == J("[0,1]"));
  CHECK(eval("$.a[-2:]", doc) == J("[3,4]"));
  CHECK(eval("$.a[3:]", doc) == J("[3,4]"));
  CHECK(eval("$.a[:-1]", doc) == J("[0,1,2,3]"));
  CHECK(eval("$.a[2:99]", doc) == J("[2,3,4]"));
  CHECK(eval("$.a[-3:-1]", doc) == J("[2,3]"));
  CHECK(eval("$.a[9:]", doc) == J("[]"));
  CHECK(eval("$.a[3:1]", doc) == J("[]"));
  // Jayway clamps only the end of [from:to]: a negative end gives nothing.
  CHECK(eval("$.a[1:-1]", doc) == J("[]"));
  CHECK(eval("$.a[0:2].x", R"({"a":[{"x":1},{"y":2},{"x":3}]})") == J("[1]"));
}

TEST_CASE("an index union yields the chosen elements in the order written") {
  const char* doc = R"({"a":[10,20,30]})";
  CHECK(eval("$.a[0,2]", doc) == J("[10,30]"));
  CHECK(eval("$.a[2, 0]", doc) == J("[30,10]"));
  CHECK(eval("$.a[0,7,-1]", doc) == J("[10,30]"));
}

TEST_CASE("a name union at the leaf merges the names into one object, as Jayway does") {
  CHECK(eval("$['a','b']", R"({"a":1,"b":2,"c":3})") == J(R"({"a":1,"b":2})"));
  CHECK(eval("$['a','zz']", R"({"a":1})") == J(R"({"a":1})"));
  CHECK(eval("$.x[*]['a','b']", R"({"x":[{"a":1},{"b":2}]})") == J(R"([{"a":1},{"b":2}])"));
  // Before the leaf it iterates the names instead.
  CHECK(eval("$['a','b'].v", R"({"a":{"v":1},"b":{"w":2},"c":{"v":3}})") == J("[1]"));
  CHECK_FALSE(P("$['a','b']").is_definite());
}

TEST_CASE("recursive descent visits a node before its children, objects in key order") {
  CHECK(eval("$..author", kStore) ==
        J(R"(["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"])"));
  CHECK(eval("$..price", kStore) == J("[8.95,12.99,8.99,22.99,19.95]"));
  CHECK(eval("$.store..price", kStore) == J("[8.95,12.99,8.99,22.99,19.95]"));
  CHECK(eval("$..x", R"({"x":1,"a":{"x":2,"b":[{"x":3}]}})") == J("[1,2,3]"));
  CHECK(eval("$..[0]", R"({"a":[1,[2,3]],"b":{"c":[4]}})") == J("[1,2,4]"));
  CHECK(eval("$..*", R"({"a":{"b":1},"c":2})") == J(R"([{"b":1},2,1])"));
  CHECK(eval("$..book[2].title", kStore) == J(R"(["Moby Dick"])"));
  CHECK(eval("$..book[-1:].title", kStore) == J(R"(["The Lord"])"));
  CHECK(eval("$..['a','b']", R"({"a":1,"b":2,"c":{"a":3}})") == J(R"([{"a":1,"b":2}])"));
}

TEST_CASE("a filter keeps the array elements whose condition holds") {
  CHECK(eval("$.store.book[?(@.price < 10)].title", kStore) == J(R"(["Sayings","Moby Dick"])"));
  CHECK(eval("$.store.book[?(@.isbn)].title", kStore) == J(R"(["Moby Dick","The Lord"])"));
  CHECK(eval("$.store.book[?(!@.isbn)].title", kStore) == J(R"(["Sayings","Sword"])"));
  CHECK(eval("$.store.book[?(@.category == 'fiction' && @.price > 10)].title", kStore) ==
        J(R"(["Sword","The Lord"])"));
  CHECK(eval("$.store.book[?(@.price < 9 || @.price > 20)].title", kStore) ==
        J(R"(["Sayings","Moby Dick","The Lord"])"));
  CHECK(eval("$.store.book[?(@.category != 'fiction')].title", kStore) == J(R"(["Sayings"])"));
  CHECK(eval("$.store.book[?(@.price <= 8.99)].title", kStore) == J(R"(["Sayings","Moby Dick"])"));
  CHECK(eval("$.store.book[?(@.price >= 22.99)].title", kStore) == J(R"(["The Lord"])"));
  CHECK(eval("$.store.book[?(@.price > $.expensive)].title", kStore) == J(R"(["Sword","The Lord"])"));
  CHECK(eval("$..book[?(@.author =~ /.*REES/i)].title", kStore) == J(R"(["Sayings"])"));
  CHECK(eval("$..book[?(@.author =~ /Rees/)].title", kStore) == J("[]"));
  CHECK(eval("$.store.book[?(@.category in ['reference','poetry'])].title", kStore) == J(R"(["Sayings"])"));
  CHECK(eval("$.store.book[?(@.category nin ['fiction'])].title", kStore) == J(R"(["Sayings"])"));
}

TEST_CASE("filter literals compare by type: strings, numbers, booleans and null") {
  const char* doc = R"({"a":[{"v":"1"},{"v":1},{"v":true},{"v":null},{"v":false},{"w":0},{"v":[1]}]})";
  CHECK(eval("$.a[?(@.v == true)]", doc) == J(R"([{"v":true}])"));
  CHECK(eval("$.a[?(@.v == false)]", doc) == J(R"([{"v":false}])"));
  CHECK(eval("$.a[?(@.v == null)]", doc) == J(R"([{"v":null}])"));
  CHECK(eval("$.a[?(@.v === 1)]", doc) == J(R"([{"v":1}])"));
  CHECK(eval("$.a[?(@.v === \"1\")]", doc) == J(R"([{"v":"1"}])"));
  // Jayway's == reads a string as the number it spells.
  CHECK(eval("$.a[?(@.v == 1)]", doc) == J(R"([{"v":"1"},{"v":1}])"));
  CHECK(eval("$.a[?(@.v == [1])]", doc) == J(R"([{"v":[1]}])"));
  // A missing operand equals nothing, so != keeps it.
  CHECK(eval("$.a[?(@.v != 1)]", doc) == J(R"([{"v":true},{"v":null},{"v":false},{"w":0},{"v":[1]}])"));
  // Existence holds for a null value too.
  CHECK(eval("$.a[?(@.v)]", doc).as_array().size() == 6);
}

TEST_CASE("a filter reads nested paths, parentheses and extra operators") {
  const char* doc = R"({"a":[{"x":{"y":1},"t":["p","q"]},{"x":{"y":2},"t":[]},{"x":3}]})";
  CHECK(eval("$.a[?(@.x.y == 2)].t", doc) == J("[[]]"));
  CHECK(eval("$.a[?(@['x']['y'] > 0)].x.y", doc) == J("[1,2]"));
  CHECK(eval("$.a[?(!(@.x.y == 1 || @.x == 3))].x.y", doc) == J("[2]"));
  CHECK(eval("$.a[?(@.t size 2)].x.y", doc) == J("[1]"));
  CHECK(eval("$.a[?(@.t empty true)].x.y", doc) == J("[2]"));
  CHECK(eval("$.a[?(@.t contains 'q')].x.y", doc) == J("[1]"));
  CHECK(eval("$.a[?(@.t anyof ['q','z'])].x.y", doc) == J("[1]"));
  CHECK(eval("$.a[?(@.t subsetof ['p','q','r'])].x.y", doc) == J("[1,2]"));
  CHECK(eval("$.a[?(@.t.length() > 1)].x.y", doc) == J("[1]"));
  CHECK(eval("$.a[?(@.t[1] == 'q')].x.y", doc) == J("[1]"));
  CHECK(eval("$[?(@ > 1)]", "[1,2,3]") == J("[2,3]"));
}

TEST_CASE("a filter on an object keeps or drops the object itself") {
  CHECK(eval("$.o[?(@.k == 1)]", R"({"o":{"k":1}})") == J(R"([{"k":1}])"));
  CHECK(eval("$.o[?(@.k == 2)]", R"({"o":{"k":1}})") == J("[]"));
  CHECK(eval("$..[?(@.price > 20)].title", kStore) == J(R"(["The Lord"])"));
}

TEST_CASE("the recorded AWS filter examples give the recorded outputs") {
  // test_state_pass_regex_json_path_base and pass_result_regex_json_path.json5.
  const char* input = R"({"users":[{"year":1997,"status":0},{"year":1998,"status":1}]})";
  CHECK(eval("$.users[?(@.status == 0)]", input) == J(R"([{"year":1997,"status":0}])"));
  const char* state1 = R"([{"year":1997,"status":0},{"year":2000,"status":1}])";
  CHECK(eval("$[?(@.year <= 1999)]", state1) == J(R"([{"year":1997,"status":0}])"));
  CHECK(eval("$.[?(@.year < 1999)].name", R"([{"year":1997,"name":"a"},{"year":1999,"name":"b"}])") ==
        J(R"(["a"])"));
}

TEST_CASE("definiteness and reference paths are decided at parse time") {
  struct Case {
    const char* path;
    bool definite;
    bool reference;
  };
  const Case cases[] = {
      {"$", true, true},           {"$.a.b", true, true},       {"$['a b'][0]", true, true},
      {"$.a[-1]", true, false},    {"$.a[*]", false, false},    {"$.*", false, false},
      {"$.a[0:1]", false, false},  {"$.a[0,1]", false, false},  {"$['a','b']", false, false},
      {"$..a", false, false},      {"$.a[?(@.b)]", false, false}, {"$.a.length()", false, false},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    Path p = P(c.path);
    CHECK(p.is_definite() == c.definite);
    CHECK(p.is_reference() == c.reference);
  }
  // An indefinite path names no single node.
  bj::value doc = J(R"({"a":[1]})");
  CHECK(P("$.a[*]").find_on(doc) == nullptr);
  CHECK(P("$.a[0]").find_on(doc) != nullptr);
}

TEST_CASE("the context root and variable roots evaluate against their own documents") {
  TestDocs docs(J(R"({"in":1})"), J(R"({"Execution":{"Id":"arn:x","Input":{"k":[5,6]}}})"));
  docs.vars_["count"] = J("3");
  docs.vars_["cfg"] = J(R"({"list":["a","b"],"n":{"m":true}})");
  docs.vars_["ünï_2"] = J("\"u\"");

  Path ctx = P("$$.Execution.Id");
  CHECK(ctx.root() == Root::kContext);
  CHECK(ctx.eval(docs).value() == J("\"arn:x\""));
  CHECK(P("$$").eval(docs).value() == docs.context());
  CHECK(P("$$.Execution.Input.k[1]").find(docs) == &docs.context().at("Execution").at("Input").at("k").at(1));
  CHECK(P("$$.Execution.Input.nope").eval(docs).status().message() ==
        "No results for path: $['Execution']['Input']['nope']");

  Path var = P("$cfg.list[0]");
  CHECK(var.root() == Root::kVariable);
  CHECK(var.variable() == "cfg");
  CHECK(var.eval(docs).value() == J("\"a\""));
  CHECK(P("$cfg.n.m").find(docs) == &docs.vars_["cfg"].at("n").at("m"));
  CHECK(P("$count").eval(docs).value() == J("3"));
  CHECK(P("$count").is_root());
  CHECK(P("$ünï_2").eval(docs).value() == J("\"u\""));
  CHECK(P("$cfg.list[*]").eval(docs).value() == J(R"(["a","b"])"));
  CHECK(P("$.in").eval(docs).value() == J("1"));

  Path missing = P("$nope.x");
  CHECK(missing.find(docs) == nullptr);
  auto r = missing.eval(docs);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(r.status().message().find("nope") != std::string::npos);
}

TEST_CASE("InputOnly offers an empty context and no variables") {
  bj::value doc = J(R"({"a":1})");
  InputOnly docs(doc);
  CHECK(P("$$").eval(docs).value() == J("{}"));
  CHECK_FALSE(P("$v").eval(docs).ok());
  CHECK(P("$.a").eval(docs).value() == J("1"));
}

TEST_CASE("functions at the end of a path apply to the node they follow") {
  const char* doc = R"({"a":[1,2,3,4],"o":{"x":1,"y":2},"s":"abc","e":[]})";
  CHECK(eval("$.a.length()", doc) == J("4"));
  CHECK(eval("$.o.length()", doc) == J("2"));
  CHECK(eval("$.s.length()", doc) == J("null"));
  CHECK(eval("$.a.sum()", doc) == J("10.0"));
  CHECK(eval("$.a.avg()", doc) == J("2.5"));
  CHECK(eval("$.a.min()", doc) == J("1.0"));
  CHECK(eval("$.a.max()", doc) == J("4.0"));
  CHECK(eval("$.o.keys()", doc) == J(R"(["x","y"])"));
  CHECK(eval("$..price.sum()", R"({"a":{"price":1},"b":[{"price":2}]})") == J("3.0"));
  CHECK(failure("$.e.avg()", doc) == "Aggregation function attempted to calculate value using empty array");
  CHECK(failure("$.nope.length()", doc) == "Missing property in path $['nope']");
}

TEST_CASE("malformed paths are rejected with a reason") {
  CHECK(parse_error("").find("empty") != std::string::npos);
  CHECK(parse_error("a.b").find("must start with '$'") != std::string::npos);
  CHECK(parse_error("@.a").find("must start with '$'") != std::string::npos);
  CHECK(parse_error("$.").find("must not end with '.'") != std::string::npos);
  CHECK(parse_error("$.a..").find("must not end with '..'") != std::string::npos);
  CHECK(parse_error("$...a").find("unexpected '.'") != std::string::npos);
  CHECK(parse_error("$..length()").find("'..' must be followed by") != std::string::npos);
  CHECK(parse_error("$.a[0").find("missing ']'") != std::string::npos);
  CHECK(parse_error("$['a'").find("missing ']'") != std::string::npos);
  CHECK(parse_error("$['a").find("unterminated") != std::string::npos);
  CHECK(parse_error("$.a]").find("unbalanced ']'") != std::string::npos);
  CHECK(parse_error("$[0]]").find("unexpected character ']'") != std::string::npos);
  CHECK(parse_error("$['a']b").find("unexpected character 'b'") != std::string::npos);
  CHECK(parse_error("$.a b").find("bracket notation") != std::string::npos);
  CHECK(parse_error("$[]").find("empty brackets") != std::string::npos);
  CHECK(parse_error("$[x]").find("unexpected character 'x'") != std::string::npos);
  CHECK(parse_error("$[1:2:3]").find("slice steps") != std::string::npos);
  CHECK(parse_error("$[:]").find("start or an end") != std::string::npos);
  CHECK(parse_error("$[99999999999]").find("invalid index") != std::string::npos);
  CHECK(parse_error("$.a.nosuch()").find("Function with name: nosuch does not exist.") != std::string::npos);
  CHECK(parse_error("$.a.length().b").find("must end the path") != std::string::npos);
  CHECK(parse_error("$[?(@.a <> 1)]").find("unsupported operator '<>'") != std::string::npos);
  CHECK(parse_error("$[?(@.a == 1]").find("expected ')'") != std::string::npos);
  CHECK(parse_error("$[?(@.a == )]").find("expected a value") != std::string::npos);
  CHECK(parse_error("$[?(1)]").find("comparison operator") != std::string::npos);
  CHECK(parse_error("$[?(@.a =~ /x/q)]").find("pattern flag") != std::string::npos);
  CHECK(parse_error("$[?(@.a =~ /(/)]").find("regular expression") != std::string::npos);
  CHECK(parse_error("$[?]").find("expected '('") != std::string::npos);
  CHECK(parse_error("$x!").find("unexpected character '!'") != std::string::npos);
  CHECK(parse_error("$$$").find("unexpected character '$'") != std::string::npos);
  CHECK(parse_error("$.a[0").find("'$.a[0'") != std::string::npos);  // the message quotes the path
}

TEST_CASE("filters nest, but not without bound") {
  CHECK(eval("$.a[?(@.b[?(@.c == 1)] empty false)].id", R"({"a":[{"id":1,"b":[{"c":1}]},{"id":2,"b":[{"c":2}]}]})") ==
        J("[1]"));
  std::string ok = "$[?(" + std::string(20, '(') + "@.a" + std::string(20, ')') + ")]";
  CHECK(eval(ok, R"([{"a":1},{"b":2}])") == J(R"([{"a":1}])"));
  std::string deep = "$[?(" + std::string(5000, '(') + "@.a" + std::string(5000, ')') + ")]";
  CHECK(parse_error(deep).find("nested too deeply") != std::string::npos);
  std::string negations = "$[?(" + std::string(5000, '!') + "@.a)]";
  CHECK(parse_error(negations).find("nested too deeply") != std::string::npos);
}

TEST_CASE("surrounding blanks are ignored, as Jayway trims the path") {
  Path p = P("  $.a  ");
  CHECK(p.text() == "  $.a  ");
  CHECK(p.eval_on(J(R"({"a":1})")).value() == J("1"));
}

TEST_CASE("copies of a path evaluate like the original") {
  Path p = P("$.a[?(@ > 1)]");
  Path q = p;
  Path r = std::move(p);
  CHECK(q.eval_on(J(R"({"a":[1,2,3]})")).value() == J("[2,3]"));
  CHECK(r.eval_on(J(R"({"a":[1,2,3]})")).value() == J("[2,3]"));
  CHECK(q.text() == "$.a[?(@ > 1)]");
}

TEST_CASE("assign writes at a reference path, creating missing objects on the way") {
  bj::value doc = J(R"({"a":{"keep":1},"arr":[1,{"x":0}]})");
  REQUIRE(P("$.a.b.c").assign(doc, J("5")).ok());
  CHECK(doc == J(R"({"a":{"keep":1,"b":{"c":5}},"arr":[1,{"x":0}]})"));
  REQUIRE(P("$.a.keep").assign(doc, J("[2]")).ok());
  CHECK(doc.at("a").at("keep") == J("[2]"));
  REQUIRE(P("$.arr[1].x").assign(doc, J("true")).ok());
  CHECK(doc.at("arr") == J(R"([1,{"x":true}])"));
  REQUIRE(P("$.arr[0]").assign(doc, J("\"z\"")).ok());
  CHECK(doc.at("arr").at(0) == J("\"z\""));
  REQUIRE(P("$['new key']").assign(doc, J("null")).ok());
  CHECK(doc.at("new key").is_null());
}

TEST_CASE("assign at the root replaces the whole document") {
  bj::value doc = J(R"({"a":1})");
  REQUIRE(P("$").assign(doc, J("[1,2]")).ok());
  CHECK(doc == J("[1,2]"));
}

TEST_CASE("assign fails where the path meets something that cannot hold it") {
  bj::value doc = J(R"({"a":"text","arr":[1]})");
  const bj::value before = doc;
  auto s = P("$.a.b").assign(doc, J("1"));
  CHECK(s.code() == Code::kNotFound);
  CHECK(s.message() == "Cannot write at $['a']['b']: $['a'] is not an object (string)");
  CHECK(P("$.arr[3]").assign(doc, J("1")).message() ==
        "Cannot write at $['arr'][3]: index 3 is out of range of $['arr'] (length 1)");
  CHECK(P("$.a[0]").assign(doc, J("1")).code() == Code::kNotFound);
  CHECK(doc == before);

  bj::value scalar = J("7");
  CHECK(P("$.x").assign(scalar, J("1")).code() == Code::kNotFound);
  CHECK(scalar == J("7"));
  bj::value list = J("[1]");
  CHECK(P("$.x").assign(list, J("1")).code() == Code::kNotFound);

  bj::value d2 = J("{}");
  CHECK(P("$.a[*]").assign(d2, J("1")).code() == Code::kInvalidArgument);
  CHECK(d2 == J("{}"));
}
