// JSONata benchmark: src/jsonata evaluating typical ASL expressions,
// against jsonata-js (npm `jsonata`, bench/jsonata_ref_bench.mjs) in the
// same run. Parse excluded on both sides: each expression is compiled once.
//
//   case         what it measures
//   field        a 4-step path into a small object (`order.customer.address.city`)
//   sum_1000     $sum over a 1,000-item array (`$sum(items.price)`)
//   object       an object constructor of five fields, one $count
//   strings      $uppercase/$lowercase/$substringBefore/$length and `&`
//   filter       a predicate with `and` over 20 items, then a field
//   filter_1000  a predicate over 1,000 items, counted
//
// Prints one line per case: evaluations, ns/op, and, when node and
// bench/node/node_modules/jsonata are present, jsonata-js's ns/op and the
// speed-up (how many times faster stepd is).
//
//   jsonata_bench [case]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include <boost/json.hpp>

#include "src/jsonata/jsonata.h"

namespace bj = boost::json;
using namespace stepd;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kMinSeconds = 1.0;  // each case loops at least this long

// Keep in step with makeDocument() in jsonata_ref_bench.mjs.
bj::value make_document() {
  bj::array items;
  for (int i = 0; i < 1000; ++i)
    items.push_back(bj::object{{"name", "item" + std::to_string(i)}, {"price", (i % 100) + 0.5}, {"qty", i % 7}});
  bj::array lines;
  for (int i = 0; i < 20; ++i)
    lines.push_back(bj::object{{"sku", "SKU-" + std::to_string(i)}, {"price", 10 * (i % 9) + 5}, {"qty", i % 5}});
  bj::object customer{{"name", "Ada Lovelace"},
                      {"email", "Ada@Example.com"},
                      {"address", bj::object{{"city", "London"}, {"zip", "N1 9GU"}}}};
  bj::object order{{"id", "ORD-12345"}, {"customer", customer}, {"items", lines}};
  return bj::object{{"order", order}, {"items", items}};
}

// Keep in step with `cases` in jsonata_ref_bench.mjs.
const struct {
  const char* name;
  const char* expr;
} kCases[] = {
    {"field", "order.customer.address.city"},
    {"sum_1000", "$sum(items.price)"},
    {"object",
     "{\"id\": order.id, \"customer\": order.customer.name, \"city\": order.customer.address.city, \"lines\": "
     "$count(order.items), \"status\": \"NEW\"}"},
    {"strings",
     "$uppercase(order.customer.name) & \" <\" & $lowercase(order.customer.email) & \"> \" & "
     "$substringBefore(order.id, \"-\") & $string($length(order.customer.name))"},
    {"filter", "order.items[qty > 2 and price < 50].sku"},
    {"filter_1000", "$count(items[price > 90])"},
};

// jsonata-js's ns/op per case, from the node script (empty when unavailable).
std::map<std::string, double> reference(const std::string& only) {
  std::map<std::string, double> out;
  std::string dir = __FILE__;  // the script sits next to this source file
  dir = dir.substr(0, dir.find_last_of('/'));
  std::string cmd = "node " + dir + "/jsonata_ref_bench.mjs --json " + only + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::string text;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  pclose(p);
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) return out;
  for (const auto& kv : v.as_object()) out[std::string(kv.key())] = kv.value().to_number<double>();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string only = argc > 1 ? argv[1] : "";
  bj::value doc = make_document();
  std::map<std::string, double> ours;
  for (const auto& c : kCases) {
    if (!only.empty() && only != c.name) continue;
    auto expr = jsonata::compile(c.expr);
    if (!expr.ok()) {
      std::fprintf(stderr, "jsonata_bench: %s: %s\n", c.name, expr.status().message().c_str());
      return 1;
    }
    auto check = jsonata::evaluate(**expr, &doc);
    if (!check.ok()) {
      std::fprintf(stderr, "jsonata_bench: %s: %s\n", c.name, check.status().message().c_str());
      return 1;
    }
    long n = 0;
    auto start = Clock::now();
    double elapsed = 0;
    while (elapsed < kMinSeconds) {
      for (int i = 0; i < 100; ++i) {
        auto r = jsonata::evaluate(**expr, &doc);
        if (!r.ok()) std::abort();
      }
      n += 100;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    ours[c.name] = elapsed * 1e9 / static_cast<double>(n);
    std::printf("%-12s %9ld evals %9.0f ns/op\n", c.name, n, ours[c.name]);
  }
  auto ref = reference(only);
  if (ref.empty()) {
    std::printf("(no jsonata-js peer: run `npm ci --prefix bench/node` and make node available)\n");
    return 0;
  }
  std::printf("\n%-12s %12s %12s %9s\n", "case", "stepd ns/op", "jsonata-js", "speed-up");
  for (const auto& [name, ns] : ours) {
    auto it = ref.find(name);
    if (it == ref.end()) continue;
    std::printf("%-12s %12.0f %12.0f %8.1fx\n", name.c_str(), ns, it->second, it->second / ns);
  }
  return 0;
}
