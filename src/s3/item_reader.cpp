#include "src/s3/item_reader.h"

#include <set>
#include <utility>

#include <boost/json/object.hpp>

#include "src/common/timestamp.h"
#include "src/s3/config_fields.h"
#include "src/s3/parsers.h"

namespace stepd::s3 {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

constexpr FieldName kInputTypes[] = {{"JSON", static_cast<int>(InputType::kJson)},
                                     {"JSONL", static_cast<int>(InputType::kJsonl)},
                                     {"CSV", static_cast<int>(InputType::kCsv)}};
constexpr FieldName kHeaderLocations[] = {{"FIRST_ROW", static_cast<int>(CsvHeaderLocation::kFirstRow)},
                                          {"GIVEN", static_cast<int>(CsvHeaderLocation::kGiven)}};
constexpr FieldName kDelimiters[] = {
    {"COMMA", ','}, {"PIPE", '|'}, {"SEMICOLON", ';'}, {"SPACE", ' '}, {"TAB", '\t'}};

// Java's String.hashCode() of UTF-8 text: over its UTF-16 code units.
// Malformed UTF-8 counts as U+FFFD per bad byte, as Java's decoder reads it.
std::uint32_t java_string_hash(std::string_view s) {
  std::uint32_t h = 0;
  auto add = [&h](std::uint32_t unit) { h = 31 * h + unit; };
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc >> 6) == 2;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      add(0xFFFD);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
    i += len;
  }
  return h;
}

}  // namespace

void ItemParser::feed(std::string_view bytes) {
  assert(!finished_);
  buf_.erase(0, pos_);
  pos_ = 0;
  buf_.append(bytes);
}

Result<Pulled> ItemParser::next() {
  if (!error_.ok()) return error_;
  if (!bom_checked_) {
    std::string_view p = pending();
    if (p.size() < kBom.size() && !finished_ && kBom.substr(0, p.size()) == p) return Pulled{};
    if (p.substr(0, kBom.size()) == kBom) consume(kBom.size());
    bom_checked_ = true;
  }
  Result<Pulled> r = step();
  if (!r.ok()) error_ = r.status();
  assert(!r.ok() || !finished_ || r->kind != Pulled::kNeedMore);
  return r;
}

Result<ReaderConfig> reader_config_from_json(const bj::value& reader_config) {
  const bj::object* o = reader_config.if_object();
  if (!o) return Status::invalid("ReaderConfig must be an object");
  ReaderConfig c;
  if (Status s = enum_field(*o, "ReaderConfig", "InputType", kInputTypes, &c.input_type); !s.ok()) return s;
  if (Status s = enum_field(*o, "ReaderConfig", "CSVHeaderLocation", kHeaderLocations, &c.csv_header_location); !s.ok()) return s;
  if (Status s = enum_field(*o, "ReaderConfig", "CSVDelimiter", kDelimiters, &c.csv_delimiter); !s.ok()) return s;
  if (const bj::value* h = o->if_contains("CSVHeaders")) {
    const bj::array* a = h->if_array();
    if (!a) return Status::invalid("ReaderConfig.CSVHeaders must be an array of strings");
    for (const bj::value& name : *a) {
      if (!name.is_string()) return Status::invalid("ReaderConfig.CSVHeaders must be an array of strings");
      c.csv_headers.emplace_back(name.get_string());
    }
  } else if (c.csv_header_location == CsvHeaderLocation::kGiven) {
    return Status::invalid("ReaderConfig.CSVHeaders is required when CSVHeaderLocation is GIVEN");
  }
  if (const bj::value* m = o->if_contains("MaxItems")) {
    if (m->is_int64()) c.max_items = m->get_int64();
    else if (m->is_uint64()) c.max_items = kMaxItemsCap + 1;  // beyond int64: only the cap matters
    else return Status::invalid("ReaderConfig.MaxItems must be an integer");
  }
  return c;
}

Status check_reader_config(const ReaderConfig& config) {
  if (config.max_items < 0) return reader_failed("field MaxItems must be positive");
  if (config.input_type == InputType::kCsv && config.csv_header_location == CsvHeaderLocation::kGiven) {
    std::set<std::string_view> seen;
    for (const std::string& h : config.csv_headers) {
      if (!seen.insert(h).second) return reader_failed("CSV headers cannot contain duplicates.");
    }
  }
  return Status();
}

std::int64_t item_limit(const ReaderConfig& config) {
  return config.max_items == 0 || config.max_items > kMaxItemsCap ? kMaxItemsCap : config.max_items;
}

Result<std::unique_ptr<ItemParser>> make_parser(const ReaderConfig& config, const ParserLimits& limits) {
  if (Status s = check_reader_config(config); !s.ok()) return s;
  switch (config.input_type) {
    case InputType::kJson: return make_json_array_parser(limits);
    case InputType::kJsonl: return make_jsonl_parser(limits);
    case InputType::kCsv: return make_csv_parser(config, limits);
  }
  return Status::internal("make_parser: unknown InputType");
}

bj::value list_object_item(const ObjectEntry& entry) {
  bj::object item;
  item["Etag"] = entry.etag;
  item["Key"] = entry.key;
  if (auto ms = timestamp::parse_ms(entry.last_modified)) {
    item["LastModified"] = *ms >= 0 ? *ms / 1000 : -((-*ms + 999) / 1000);
  } else {
    item["LastModified"] = entry.last_modified;
  }
  item["Size"] = entry.size;
  item["StorageClass"] = entry.storage_class;
  return item;
}

std::vector<std::size_t> java_hash_map_order(const std::vector<std::string>& keys) {
  // HashMap: a table of 16 bins, doubled when the size passes 3/4 of it or
  // when a bin reaches 9 entries while the table is under 64 (treeifyBin
  // resizes instead); a bin keeps insertion order, and a resize keeps each
  // bin's relative order. Iteration walks the bins in index order.
  std::vector<std::uint32_t> hashes;
  for (const std::string& k : keys) {
    std::uint32_t h = java_string_hash(k);
    hashes.push_back(h ^ (h >> 16));
  }
  std::vector<std::vector<std::size_t>> bins(16);
  auto resize = [&] {
    std::vector<std::vector<std::size_t>> bigger(bins.size() * 2);
    for (const auto& bin : bins) {
      for (std::size_t i : bin) bigger[hashes[i] & (bigger.size() - 1)].push_back(i);
    }
    bins = std::move(bigger);
  };
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto& bin = bins[hashes[i] & (bins.size() - 1)];
    bin.push_back(i);
    if (bin.size() >= 9 && bins.size() < 64) resize();
    if (i + 1 > bins.size() * 3 / 4) resize();
  }
  std::vector<std::size_t> order;
  for (const auto& bin : bins) order.insert(order.end(), bin.begin(), bin.end());
  return order;
}

}  // namespace stepd::s3
