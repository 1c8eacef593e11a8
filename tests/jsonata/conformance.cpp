// The JSONata reference suite (../shared/conformance/jsonata, jsonata-js
// 2.2.2's test/test-suite) against src/jsonata, as a ratchet:
//
//   jsonata_conformance SUITE_DIR KNOWN_FAILURES [--verbose] [--group G] [--write F]
//
// prints passed/total per group and in all, then exits
//   0   when every case passes except those listed in KNOWN_FAILURES,
//   1   when a case not listed fails, or a listed case passes (remove it),
//   77  when SUITE_DIR is absent (ctest's "skipped").
// KNOWN_FAILURES holds one `GROUP/FILE#INDEX  reason` per line; `#` lines
// are comments. --write F writes the current failures in that format.
//
// Each case is evaluated as the reference runner (test/run-test-suite.js)
// does: `data` wins over `dataset`; `dataset: null` means no input;
// `timelimit`+`depth` become Options::time_limit_ms/max_depth (U1001);
// results compare by deep equality with object keys unordered, numbers with
// a relative tolerance of 1e-12, and `unordered` arrays as multisets.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "src/jsonata/jsonata.h"

namespace bj = boost::json;
namespace fs = std::filesystem;
using namespace stepd;

namespace {

// Lone surrogate escapes (\uD800) have no UTF-8 form; the engine keeps
// them as WTF-8 bytes, so give the parser those bytes instead.
std::string wtf8_escapes(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 5 < text.size() && text[i + 1] == 'u') {
      unsigned cp = std::stoul(text.substr(i + 2, 4), nullptr, 16);
      bool high = cp >= 0xD800 && cp <= 0xDBFF, low = cp >= 0xDC00 && cp <= 0xDFFF;
      bool paired = high && i + 11 < text.size() && text[i + 6] == '\\' && text[i + 7] == 'u';
      if ((high && !paired) || low) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
        i += 5;
        continue;
      }
      if (paired) {
        out += text.substr(i, 12);
        i += 11;
        continue;
      }
    }
    out += text[i];
    if (text[i] == '\\' && i + 1 < text.size()) out += text[++i];
  }
  return out;
}

bj::value parse_json(const std::string& text, boost::system::error_code& ec) {
  bj::value v = bj::parse(text, ec);
  if (!ec) return v;
  bj::parse_options opt;
  opt.allow_invalid_utf8 = true;
  ec = {};
  return bj::parse(wtf8_escapes(text), ec, {}, opt);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool num_equal(double a, double b) {
  if (a == b) return true;
  double scale = std::max(std::fabs(a), std::fabs(b));
  return std::fabs(a - b) <= scale * 1e-12;
}

bool json_equal(const bj::value& a, const bj::value& b, bool unordered = false);

bool arrays_equal(const bj::array& a, const bj::array& b, bool unordered) {
  if (a.size() != b.size()) return false;
  if (!unordered) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!json_equal(a[i], b[i])) return false;
    return true;
  }
  std::vector<bool> used(b.size(), false);
  for (const auto& x : a) {
    bool found = false;
    for (std::size_t i = 0; i < b.size(); ++i) {
      if (!used[i] && json_equal(x, b[i])) {
        used[i] = found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

bool json_equal(const bj::value& a, const bj::value& b, bool unordered) {
  if (a.is_number() && b.is_number()) return num_equal(a.to_number<double>(), b.to_number<double>());
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case bj::kind::array: return arrays_equal(a.get_array(), b.get_array(), unordered);
    case bj::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        auto it = y.find(kv.key());
        if (it == y.end() || !json_equal(kv.value(), it->value())) return false;
      }
      return true;
    }
    default: return a == b;
  }
}

struct Outcome {
  bool pass = false;
  std::string detail;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Outcome run_case(const bj::object& c, const fs::path& group_dir, const fs::path& datasets,
                 std::map<std::string, bj::value>& dataset_cache) {
  std::string expr_text;
  if (auto* e = c.if_contains("expr")) {
    expr_text = std::string(e->as_string());
  } else if (auto* f = c.if_contains("expr-file")) {
    expr_text = read_text(group_dir / std::string(f->as_string()));
  }
  const bj::value* input = nullptr;
  if (auto* d = c.if_contains("data")) {
    input = d;
  } else if (auto* ds = c.if_contains("dataset"); ds && ds->is_string()) {
    std::string name(ds->as_string());
    auto it = dataset_cache.find(name);
    if (it == dataset_cache.end()) {
      boost::system::error_code ec;
      bj::value v = bj::parse(read_text(datasets / (name + ".json")), ec);
      it = dataset_cache.emplace(name, std::move(v)).first;
    }
    input = &it->second;
  }
  jsonata::Bindings bindings;
  if (auto* b = c.if_contains("bindings"); b && b->is_object())
    for (const auto& kv : b->as_object()) bindings.bind(std::string(kv.key()), kv.value());

  jsonata::Options opts;
  opts.clock_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  opts.time_limit_ms = 20000;  // no case may hang the suite
  if (c.contains("timelimit") && c.contains("depth")) {
    opts.time_limit_ms = c.at("timelimit").to_number<std::int64_t>();
    opts.max_depth = c.at("depth").to_number<int>();
  }
  opts.now_ms = now_ms();
  std::uint64_t seed = 12345;
  opts.random = [seed]() mutable {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(seed >> 11) / 9007199254740992.0;
  };

  std::string want_code;
  if (auto* code = c.if_contains("code")) want_code = std::string(code->as_string());
  if (auto* err = c.if_contains("error"); err && err->is_object())
    if (auto* code = err->as_object().if_contains("code")) want_code = std::string(code->as_string());

  jsonata::ErrorDetail detail;
  auto expr = jsonata::compile(expr_text, &detail);
  if (!expr.ok()) {
    if (!want_code.empty() && expr.status().error() == want_code) return {true, ""};
    return {false, "compile error " + expr.status().error() + ": " + expr.status().message()};
  }
  auto r = jsonata::evaluate(**expr, input, bindings, opts, &detail);
  if (!r.ok()) {
    if (!want_code.empty() && r.status().error() == want_code && !c.contains("undefinedResult") &&
        !c.contains("result"))
      return {true, ""};
    return {false, "error " + r.status().error() + ": " + r.status().message()};
  }
  std::string got = *r ? bj::serialize(**r) : "undefined";
  if (c.contains("undefinedResult")) return {!*r, "got " + got};
  if (auto* want = c.if_contains("result")) {
    bool unordered = c.contains("unordered") && c.at("unordered").is_bool() && c.at("unordered").as_bool();
    bool ok = *r && json_equal(**r, *want, unordered);
    return {ok, "got " + got + ", want " + bj::serialize(*want)};
  }
  return {false, "got " + got + ", want error " + want_code};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: jsonata_conformance SUITE_DIR KNOWN_FAILURES [--verbose] [--group G] [--write F]\n";
    return 2;
  }
  fs::path suite = argv[1];
  fs::path known_path = argv[2];
  bool verbose = false;
  std::string only_group, write_path;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--verbose") verbose = true;
    else if (a == "--group" && i + 1 < argc) only_group = argv[++i];
    else if (a == "--write" && i + 1 < argc) write_path = argv[++i];
  }
  if (!fs::is_directory(suite / "groups")) {
    std::cout << "SKIPPED: the JSONata reference suite is not at " << suite.string() << "\n";
    return 77;
  }
  std::map<std::string, std::string> known;
  {
    std::ifstream in(known_path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto sp = line.find_first_of(" \t");
      std::string id = line.substr(0, sp);
      known[id] = sp == std::string::npos ? "" : line.substr(line.find_first_not_of(" \t", sp));
    }
  }
  std::vector<fs::path> groups;
  for (const auto& e : fs::directory_iterator(suite / "groups"))
    if (e.is_directory()) groups.push_back(e.path());
  std::sort(groups.begin(), groups.end());
  std::map<std::string, bj::value> cache;
  int total = 0, passed = 0;
  std::vector<std::string> unexpected_fail, unexpected_pass, failures;
  for (const auto& g : groups) {
    std::string gname = g.filename().string();
    if (!only_group.empty() && gname != only_group) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(g))
      if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    int gt = 0, gp = 0;
    for (const auto& f : files) {
      boost::system::error_code ec;
      bj::value doc = parse_json(read_text(f), ec);
      if (ec) continue;
      std::vector<const bj::object*> cases;
      if (doc.is_array()) {
        for (const auto& c : doc.as_array()) cases.push_back(&c.as_object());
      } else {
        cases.push_back(&doc.as_object());
      }
      for (std::size_t i = 0; i < cases.size(); ++i) {
        std::string id = gname + "/" + f.stem().string() + "#" + std::to_string(i);
        Outcome o = run_case(*cases[i], g, suite / "datasets", cache);
        ++gt;
        if (o.pass) ++gp;
        bool listed = known.count(id) > 0;
        if (!o.pass) {
          failures.push_back(id + "  " + o.detail.substr(0, 300));
          if (!listed) unexpected_fail.push_back(id + "  " + o.detail.substr(0, 300));
        } else if (listed) {
          unexpected_pass.push_back(id);
        }
        if (verbose && !o.pass) std::cout << "  FAIL " << id << ": " << o.detail.substr(0, 400) << "\n";
      }
    }
    std::printf("%-32s %4d / %4d\n", gname.c_str(), gp, gt);
    total += gt;
    passed += gp;
  }
  std::printf("TOTAL %d / %d passed (%d known failures listed)\n", passed, total, static_cast<int>(known.size()));
  if (!write_path.empty()) {
    std::ofstream out(write_path);
    for (const auto& f : failures) out << f << "\n";
  }
  for (const auto& f : unexpected_fail) std::cout << "UNEXPECTED FAILURE " << f << "\n";
  for (const auto& p : unexpected_pass)
    std::cout << "NOW PASSES (remove from " << known_path.filename().string() << ") " << p << "\n";
  if (!only_group.empty()) return unexpected_fail.empty() ? 0 : 1;
  return unexpected_fail.empty() && unexpected_pass.empty() ? 0 : 1;
}
