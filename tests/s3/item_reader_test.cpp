// Tests for src/s3/item_reader.h: the JSON, JSONL and CSV parsers on the
// objects AWS's recordings read (../shared/conformance/localstack,
// test_base_scenarios: test_map_item_reader_*), fed whole, byte by byte and
// split at every offset; their errors; ReaderConfig; listObjectsV2 items;
// java.util.HashMap order.

#include "src/s3/item_reader.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "src/common/json.h"

using namespace stepd;
using s3::ReaderConfig;

namespace {

// The items of `text` read by a parser for `config` fed `chunk` bytes at a
// time (0: all at once, then finish), as a JSON array's text; or
// "ERROR <name>: <cause>".
std::string read(const ReaderConfig& config, std::string_view text, std::size_t chunk,
                 const s3::ParserLimits& limits = {}) {
  auto p = s3::make_parser(config, limits);
  if (!p.ok()) return "ERROR " + p.status().error() + ": " + p.status().message();
  std::string out = "[";
  std::size_t fed = 0;
  for (;;) {
    auto r = (*p)->next();
    if (!r.ok()) return "ERROR " + r.status().error() + ": " + r.status().message();
    if (r->kind == s3::Pulled::kEnd) return out + "]";
    if (r->kind == s3::Pulled::kItem) {
      out += (out.size() > 1 ? "," : "") + json::to_json(r->item);
    } else if (fed < text.size()) {
      std::size_t n = chunk == 0 ? text.size() : std::min(chunk, text.size() - fed);
      (*p)->feed(text.substr(fed, n));
      fed += n;
    } else {
      (*p)->finish();
    }
  }
}

// read() in one piece, which must equal every other way of cutting `text`:
// byte by byte, 2, 3 and 7 bytes at a time, and in two pieces at each offset.
std::string read_everywhere(const ReaderConfig& config, std::string_view text) {
  const std::string whole = read(config, text, 0);
  for (std::size_t chunk : {1, 2, 3, 7}) {
    INFO("chunks of " << chunk);
    CHECK(read(config, text, chunk) == whole);
  }
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    auto p = s3::make_parser(config);
    REQUIRE(p.ok());
    std::string out = "[";
    bool first_fed = false, second_fed = false;
    for (;;) {
      auto r = (*p)->next();
      if (!r.ok()) {
        out = "ERROR " + r.status().error() + ": " + r.status().message();
        break;
      }
      if (r->kind == s3::Pulled::kEnd) {
        out += "]";
        break;
      }
      if (r->kind == s3::Pulled::kItem) out += (out.size() > 1 ? "," : "") + json::to_json(r->item);
      else if (!first_fed) (*p)->feed(text.substr(0, cut)), first_fed = true;
      else if (!second_fed) (*p)->feed(text.substr(cut)), second_fed = true;
      else (*p)->finish();
    }
    INFO("cut at " << cut);
    CHECK(out == whole);
  }
  return whole;
}

ReaderConfig csv(s3::CsvHeaderLocation where = s3::CsvHeaderLocation::kFirstRow, std::vector<std::string> headers = {},
                 char delimiter = ',') {
  ReaderConfig c;
  c.input_type = s3::InputType::kCsv;
  c.csv_header_location = where;
  c.csv_headers = std::move(headers);
  c.csv_delimiter = delimiter;
  return c;
}

ReaderConfig of_type(s3::InputType t) {
  ReaderConfig c;
  c.input_type = t;
  return c;
}

const s3::CsvHeaderLocation kGiven = s3::CsvHeaderLocation::kGiven;

// The CSV body the recorded CSV cases put after their header line.
const char kRows[] = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n";

}  // namespace

TEST_CASE("CSV with a header row reads as recorded: every value a string, short rows padded", "[s3]") {
  // test_map_item_reader_base_csv_headers_first_line
  CHECK(read_everywhere(csv(), std::string("Col1,Col2,Col3\n") + kRows) ==
        R"([{"Col1":"Value1","Col2":"Value2","Col3":"Value3"},{"Col1":"Value4","Col2":"Value5","Col3":"Value6"},)"
        R"({"Col1":"","Col2":"","Col3":""},{"Col1":"true","Col2":"1","Col3":"'HelloWorld'"},)"
        R"({"Col1":"Null","Col2":"None","Col3":""},{"Col1":"   ","Col2":"","Col3":""}])");
}

TEST_CASE("CSV with GIVEN headers reads every line as a row", "[s3]") {
  // test_map_item_reader_base_csv_headers_decl
  CHECK(read_everywhere(csv(kGiven, {"H1", "H2", "H3"}), kRows) ==
        R"([{"H1":"Value1","H2":"Value2","H3":"Value3"},{"H1":"Value4","H2":"Value5","H3":"Value6"},)"
        R"({"H1":"","H2":"","H3":""},{"H1":"true","H2":"1","H3":"'HelloWorld'"},)"
        R"({"H1":"Null","H2":"None","H3":""},{"H1":"   ","H2":"","H3":""}])");
}

TEST_CASE("CSV fields beyond the GIVEN headers are dropped", "[s3]") {
  // test_map_item_reader_csv_headers_decl_extra_fields
  CHECK(read_everywhere(csv(kGiven, {"H1"}), kRows) ==
        R"([{"H1":"Value1"},{"H1":"Value4"},{"H1":""},{"H1":"true"},{"H1":"Null"},{"H1":"   "}])");
}

TEST_CASE("CSV items list their members in java.util.HashMap order, as recorded", "[s3]") {
  // test_map_item_reader_csv_headers_first_row_typed_headers: headers 0, True, {}
  CHECK(read_everywhere(csv(), "0,True,{}\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n") ==
        R"([{"0":"Value4","{}":"Value6","True":"Value5"},{"0":"","{}":"","True":""},)"
        R"({"0":"true","{}":"'HelloWorld'","True":"1"},{"0":"Null","{}":"","True":"None"},)"
        R"({"0":"   ","{}":"","True":""}])");
  // test_map_item_reader_csv_first_row_extra_fields: headers H1 and ""
  CHECK(read_everywhere(csv(), "H1,\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n") ==
        R"([{"":"Value5","H1":"Value4"},{"":"","H1":""},{"":"1","H1":"true"},{"":"None","H1":"Null"},)"
        R"({"":"","H1":"   "}])");
}

TEST_CASE("duplicate CSV headers fail the read with AWS's cause", "[s3]") {
  // test_map_item_reader_csv_headers_decl_duplicate_headers
  const std::string kDup = "ERROR States.ItemReaderFailed: CSV headers cannot contain duplicates.";
  CHECK(read(csv(kGiven, {"H1", "H1", "H3"}), kRows, 0) == kDup);
  CHECK(s3::check_reader_config(csv(kGiven, {"H1", "H1", "H3"})).message() == "CSV headers cannot contain duplicates.");
  CHECK(read_everywhere(csv(), "a,b,a\n1,2,3\n") == kDup);
}

TEST_CASE("CSV quoting follows RFC 4180", "[s3]") {
  SECTION("quoted delimiters, doubled quotes, line breaks inside quotes, CRLF") {
    CHECK(read_everywhere(csv(), "a,b,c\r\n\"x,y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\n\"\",plain,\"\"\"\"\r\n") ==
          R"([{"a":"x,y","b":"say \"hi\"","c":"two\r\nlines"},{"a":"","b":"plain","c":"\""}])");
  }
  SECTION("a quote inside an unquoted field is a character; text after a closing quote is kept") {
    CHECK(read_everywhere(csv(), "a,b\nab\"c,\"q\"r\n") == R"([{"a":"ab\"c","b":"qr"}])");
  }
  SECTION("a lone CR ends a record; the last record needs no line break") {
    CHECK(read_everywhere(csv(), "a,b\r1,2\r3,4") == R"([{"a":"1","b":"2"},{"a":"3","b":"4"}])");
  }
  SECTION("empty lines are skipped, a line of spaces is a row") {
    CHECK(read_everywhere(csv(), "\n\na,b\n\n1,2\r\n\r\n \n\n") == R"([{"a":"1","b":"2"},{"a":" ","b":""}])");
  }
  SECTION("an unterminated quote fails the read") {
    CHECK(read_everywhere(csv(), "a,b\n1,\"2\n3\n") ==
          "ERROR States.ItemReaderFailed: Row 2 of the CSV file has an unterminated quote");
  }
  SECTION("an empty object and a header row alone have no items") {
    CHECK(read_everywhere(csv(), "") == "[]");
    CHECK(read_everywhere(csv(), "a,b\n") == "[]");
  }
  SECTION("a UTF-8 byte order mark is skipped") {
    CHECK(read_everywhere(csv(), "\xEF\xBB\xBF" "a,b\n1,2\n") == R"([{"a":"1","b":"2"}])");
    CHECK(read_everywhere(csv(), "\xEF\xBB") == R"([])");  // a header row of two bytes
  }
}

TEST_CASE("CSVDelimiter PIPE, SEMICOLON, SPACE and TAB split fields", "[s3]") {
  CHECK(read_everywhere(csv(s3::CsvHeaderLocation::kFirstRow, {}, '|'), "a|b\n\"x|y\"|2,3\n") ==
        R"([{"a":"x|y","b":"2,3"}])");
  CHECK(read_everywhere(csv(kGiven, {"a", "b"}, ';'), "1;2\n3;\"4;5\"\n") ==
        R"([{"a":"1","b":"2"},{"a":"3","b":"4;5"}])");
  CHECK(read_everywhere(csv(kGiven, {"a", "b", "c"}, ' '), "1  2\n\"x y\" z\n") ==
        R"([{"a":"1","b":"","c":"2"},{"a":"x y","b":"z","c":""}])");
  CHECK(read_everywhere(csv(kGiven, {"a", "b"}, '\t'), "1\t2,3\n") == R"([{"a":"1","b":"2,3"}])");
}

TEST_CASE("a CSV row larger than the limit fails the read", "[s3]") {
  s3::ParserLimits small;
  small.max_item_bytes = 16;
  CHECK(read(csv(), "a,b\n1,2\n" + std::string(40, 'x') + "\n", 3, small) ==
        "ERROR States.ItemReaderFailed: Row 3 is larger than 16 bytes, the largest item stepd reads");
}

TEST_CASE("a JSON array is read element by element, as recorded", "[s3]") {
  // test_map_item_reader_base_json: the body is Python's json.dumps, with spaces.
  CHECK(read_everywhere(of_type(s3::InputType::kJson),
                        R"([{"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"}, )"
                        R"({"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"}, )"
                        R"({"verdict": "mostly-true", "statement_date": "5/18/2016", "statement_source": "news"}])") ==
        R"([{"verdict":"true","statement_date":"6/11/2008","statement_source":"speech"},)"
        R"({"verdict":"false","statement_date":"6/7/2022","statement_source":"television"},)"
        R"({"verdict":"mostly-true","statement_date":"5/18/2016","statement_source":"news"}])");
  // test_map_item_reader_base_json_with_items_path
  CHECK(read_everywhere(of_type(s3::InputType::kJson), R"([["from-bucket-item-0"]])") == R"([["from-bucket-item-0"]])");
}

TEST_CASE("JSON elements may hold brackets and commas in strings, any value, any spacing", "[s3]") {
  CHECK(read_everywhere(of_type(s3::InputType::kJson),
                        " \n[ \"a]b,c\" , {\"x\":\"},[\",\"y\":[1,{\"z\":[]}]},[[],[2]] ,-1.5e3,true,null,"
                        "\"q\\\"]\\\\\",{} ]\n ") ==
        R"(["a]b,c",{"x":"},[","y":[1,{"z":[]}]},[[],[2]],-1500.0,true,null,"q\"]\\",{}])");
  CHECK(read_everywhere(of_type(s3::InputType::kJson), "[]") == "[]");
  CHECK(read_everywhere(of_type(s3::InputType::kJson), "\xEF\xBB\xBF[1]") == "[1]");
}

TEST_CASE("a JSON object that is not a list fails the read with AWS's cause", "[s3]") {
  // test_map_item_reader_json_no_json_list_object
  const std::string kNotList = "ERROR States.ItemReaderFailed: Attempting to map over non-iterable node.";
  CHECK(read_everywhere(of_type(s3::InputType::kJson), R"({"Hello": "world"})") == kNotList);
  CHECK(read_everywhere(of_type(s3::InputType::kJson), "  \"text\"") == kNotList);
  CHECK(read_everywhere(of_type(s3::InputType::kJson), "12") == kNotList);
  CHECK(read_everywhere(of_type(s3::InputType::kJson), "") == kNotList);
}

TEST_CASE("malformed JSON arrays fail the read, the items before them read", "[s3]") {
  auto json_read = [](std::string_view text) { return read(of_type(s3::InputType::kJson), text, 1); };
  const std::string kPrefix = "ERROR States.ItemReaderFailed: The JSON file is not a valid JSON array: ";
  CHECK(json_read("[1,,2]") == kPrefix + "element 1 is missing");
  CHECK(json_read("[1,]") == kPrefix + "element 1 is missing");
  CHECK(json_read("[1,2") == kPrefix + "the array does not end");
  CHECK(json_read("[1] x") == kPrefix + "text follows the array");
  CHECK(json_read("[1 2]").rfind(kPrefix + "element 0: ", 0) == 0);
  CHECK(json_read("[{\"a\" 1}]") == kPrefix + "element 0: " + json::parse("{\"a\" 1}").status().message());
  CHECK(json_read("[{]}") == kPrefix + "unexpected '}' in element 0");
  CHECK(json_read("[1}]") == kPrefix + "unexpected '}' in element 0");
  CHECK(json_read("<xml/>") == kPrefix + "unexpected character '<'");
  s3::ParserLimits small;
  small.max_item_bytes = 8;
  CHECK(read(of_type(s3::InputType::kJson), "[1,\"0123456789\"]", 2, small) ==
        "ERROR States.ItemReaderFailed: Element 1 is larger than 8 bytes, the largest item stepd reads");
}

TEST_CASE("JSONL reads one JSON value per line, skipping blank lines", "[s3]") {
  CHECK(read_everywhere(of_type(s3::InputType::kJsonl), "{\"a\":1}\r\n\n  \n[2,\"x\"]\n\"s\"\n{\"b\":{\"c\":null}}") ==
        R"([{"a":1},[2,"x"],"s",{"b":{"c":null}}])");
  CHECK(read_everywhere(of_type(s3::InputType::kJsonl), "") == "[]");
  CHECK(read(of_type(s3::InputType::kJsonl), "{\"a\":1}\n\n{oops}\n", 1).rfind(
            "ERROR States.ItemReaderFailed: Line 3 of the JSONL file is not valid JSON: ", 0) == 0);
}

TEST_CASE("a parser's error is for good", "[s3]") {
  auto p = s3::make_parser(of_type(s3::InputType::kJson));
  REQUIRE(p.ok());
  (*p)->feed("{}");
  (*p)->finish();
  CHECK((*p)->next().status().error() == "States.ItemReaderFailed");
  CHECK((*p)->next().status().message() == "Attempting to map over non-iterable node.");
}

TEST_CASE("MaxItems: negative fails as recorded, 0 and above the cap read up to 100,000,000", "[s3]") {
  ReaderConfig c = csv();
  c.max_items = -1;  // test_map_item_reader_csv_max_items_paths[-1]
  Status s = s3::check_reader_config(c);
  CHECK(s.error() == "States.ItemReaderFailed");
  CHECK(s.message() == "field MaxItems must be positive");
  c.max_items = 0;
  CHECK(s3::item_limit(c) == 100000000);
  c.max_items = 100000001;
  CHECK(s3::item_limit(c) == 100000000);
  c.max_items = 2;
  CHECK(s3::item_limit(c) == 2);
}

TEST_CASE("ReaderConfig reads from its JSON", "[s3]") {
  auto parse = [](const char* text) { return s3::reader_config_from_json(*json::parse(text)); };
  auto c = parse(R"({"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["a","b"],"CSVDelimiter":"PIPE","MaxItems":7})");
  REQUIRE(c.ok());
  CHECK(c->input_type == s3::InputType::kCsv);
  CHECK(c->csv_header_location == kGiven);
  CHECK(c->csv_headers == std::vector<std::string>{"a", "b"});
  CHECK(c->csv_delimiter == '|');
  CHECK(c->max_items == 7);
  auto defaults = parse(R"({})");
  REQUIRE(defaults.ok());
  CHECK(defaults->input_type == s3::InputType::kJson);
  CHECK(defaults->csv_delimiter == ',');
  CHECK(parse(R"({"InputType":"JSONL"})")->input_type == s3::InputType::kJsonl);
  CHECK(parse(R"({"CSVDelimiter":"TAB"})")->csv_delimiter == '\t');
  CHECK(parse(R"({"CSVDelimiter":"SPACE"})")->csv_delimiter == ' ');
  CHECK(parse(R"({"CSVDelimiter":"SEMICOLON"})")->csv_delimiter == ';');
  CHECK(parse(R"({"InputType":"XML"})").status().message() == "ReaderConfig.InputType must be one of JSON, JSONL, CSV");
  CHECK(parse(R"({"CSVDelimiter":","})").status().message() ==
        "ReaderConfig.CSVDelimiter must be one of COMMA, PIPE, SEMICOLON, SPACE, TAB");
  CHECK(parse(R"({"CSVHeaderLocation":"GIVEN"})").status().message() ==
        "ReaderConfig.CSVHeaders is required when CSVHeaderLocation is GIVEN");
  CHECK(parse(R"({"CSVHeaders":[1]})").status().code() == Code::kInvalidArgument);
  CHECK(parse(R"({"MaxItems":1.5})").status().message() == "ReaderConfig.MaxItems must be an integer");
  CHECK(parse("[]").status().code() == Code::kInvalidArgument);
}

TEST_CASE("a listObjectsV2 entry becomes the item the Developer Guide shows", "[s3]") {
  s3::ObjectEntry e;
  e.key = "processData/images/n02085620_1073.jpg";
  e.etag = "\"05704fbdccb224cb01c59005bebbad28\"";
  e.last_modified = "2022-11-17T15:44:41.000Z";
  e.size = 34910;
  e.storage_class = "STANDARD";
  CHECK(json::to_json(s3::list_object_item(e)) ==
        R"({"Etag":"\"05704fbdccb224cb01c59005bebbad28\"","Key":"processData/images/n02085620_1073.jpg",)"
        R"("LastModified":1668699881,"Size":34910,"StorageClass":"STANDARD"})");
}

TEST_CASE("java_hash_map_order follows HashMap's bins, resizes included", "[s3]") {
  using Order = std::vector<std::size_t>;
  CHECK(s3::java_hash_map_order({"0", "True", "{}"}) == Order{0, 2, 1});
  CHECK(s3::java_hash_map_order({"H1", ""}) == Order{1, 0});
  CHECK(s3::java_hash_map_order({"Col1", "Col2", "Col3"}) == Order{0, 1, 2});
  CHECK(s3::java_hash_map_order({}).empty());
  // 13 keys pass 3/4 of 16 bins: 32 bins. (Expected order from a Python
  // model of OpenJDK's HashMap.putVal/resize.)
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back("key" + std::to_string(i));
  CHECK(s3::java_hash_map_order(keys) == Order{1, 2, 0, 5, 6, 3, 4, 9, 7, 8, 11, 10, 15, 14, 13, 12, 19, 18, 17, 16});
  // Nine keys of one hash ("Aa" and "BB" collide) in a bin of a table under
  // 64: treeifyBin resizes instead, which moves "x", "y" and "z" after them.
  CHECK(s3::java_hash_map_order({"x", "y", "z", "AaAaAaAa", "AaAaAaBB", "AaAaBBAa", "AaAaBBBB", "AaBBAaAa", "AaBBAaBB",
                                 "AaBBBBAa", "AaBBBBBB", "BBAaAaAa"}) == Order{3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2});
  // Non-ASCII keys hash over UTF-16 code units (U+1F600 is a surrogate pair).
  CHECK(s3::java_hash_map_order({"\xC3\xA9t\xC3\xA9", "\xF0\x9F\x98\x80", "a"}) == Order{2, 1, 0});
}
