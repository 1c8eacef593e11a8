#pragma once
// The parsers behind make_parser() (item_reader.h), one per InputType, and
// what they share. Include item_reader.h, not this, outside src/s3.

#include <memory>
#include <string>

#include "src/s3/item_reader.h"

namespace stepd::s3 {

// States.ItemReaderFailed with `cause`.
inline Status reader_failed(std::string cause) { return Status::failed(kItemReaderFailed, std::move(cause)); }

// The failure for an item (`what`: "Element 3", "Line 7", "Row 2") over the limit.
inline Status item_too_large(const std::string& what, const ParserLimits& limits) {
  return reader_failed(what + " is larger than " + std::to_string(limits.max_item_bytes) +
                       " bytes, the largest item stepd reads");
}

std::unique_ptr<ItemParser> make_json_array_parser(const ParserLimits& limits);
std::unique_ptr<ItemParser> make_jsonl_parser(const ParserLimits& limits);
// REQUIRES: check_reader_config(config) passed.
std::unique_ptr<ItemParser> make_csv_parser(const ReaderConfig& config, const ParserLimits& limits);

}  // namespace stepd::s3
