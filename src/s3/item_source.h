#pragma once
// stepd::s3::ItemSource: a Distributed Map's ItemReader, the I/O half. It
// pulls items from S3 in batches the caller sizes, reading only as much as
// those batches need:
//   s3:getObject      HEAD (the size and ETag), then ranged GETs of
//                     range_bytes each, If-Match that ETag (an object
//                     replaced mid-run fails the read instead of mixing
//                     versions), through the ReaderConfig's parser
//                     (item_reader.h);
//   s3:listObjectsV2  pages of ListObjectsV2 (continuation tokens), each
//                     entry an item as list_object_item() makes it.
// MaxItems is applied here (item_limit()).
//
// Memory: one range (or one page) plus the parser's partial item, plus the
// batch asked for; never the whole object.
//
// Lifecycle and ownership: open() ──next()──> … ──> a batch with end = true
// (or an error, for good). Held by shared_ptr: a call in flight keeps the
// source alive, so the caller may drop its handle at any time. One next()
// at a time: call the next one after the previous `done` ran. The Client's
// HttpClient must outlive the source.
//
// Errors (Status kFailed): States.ItemReaderFailed, with AWS's causes for
// the reader's own checks and bad content (item_reader.h), and for S3's
// errors the SDK-worded cause of requests.h ("The specified key does not
// exist. (Service: S3, Status Code: 404, ...)"). A failure to reach S3 at
// all is States.ItemReaderFailed too, its cause "Unable to execute HTTP request: ...".

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/s3/client.h"
#include "src/s3/item_reader.h"

namespace stepd::s3 {

// An ItemReader's Resource and its Parameters / Arguments, evaluated.
struct ItemReaderRequest {
  enum class Resource : unsigned char { kGetObject, kListObjectsV2 };
  Resource resource = Resource::kGetObject;
  std::string bucket;
  std::string key;      // kGetObject
  std::string prefix;   // kListObjectsV2; "" lists the whole bucket
  ReaderConfig config;  // kGetObject: all of it; kListObjectsV2: max_items only
};

struct ItemSourceOptions {
  std::uint64_t range_bytes = 4 << 20;  // bytes per ranged GET
  int list_page_keys = 0;               // max-keys per ListObjectsV2 page; 0: S3's default (1,000)
  ParserLimits limits;
};

struct ItemBatch {
  std::vector<bj::value> items;  // in the object's (or the listing's) order
  bool end = false;              // no item follows these (the batch may then be short, or empty)
};

class ItemSource : public std::enable_shared_from_this<ItemSource> {
 public:
  // Checks the ReaderConfig (check_reader_config()); no I/O yet.
  // REQUIRES: options.range_bytes > 0.
  static Result<std::shared_ptr<ItemSource>> open(Client client, ItemReaderRequest request,
                                                  ItemSourceOptions options = {});

  // The next items, up to `n` of them: fewer only with end = true. `done`
  // runs once, on an HttpClient thread, or before next() returns when no
  // I/O was needed. After end or an error, next() answers the same again.
  // REQUIRES: n > 0; no next() in flight.
  void next(std::size_t n, std::function<void(Result<ItemBatch>)> done);

  // Items handed out so far. Read it between next() calls (from `done`, or
  // after it ran), not while one is in flight.
  std::uint64_t items_read() const { return items_read_; }

  // Public for make_shared only; use open().
  ItemSource(Client client, ItemReaderRequest request, ItemSourceOptions options);

 private:
  // Fills batch_ from what is at hand; fetches more (and comes back) when
  // that runs out; answers when the batch is full or the items end.
  void pump();
  // One item from the parser or the listed page, or kNeedMore / kEnd.
  Result<Pulled> pull();
  // Asks S3 for the next range or page; its answer pump()s again.
  void fetch();
  void answer(Result<ItemBatch> r);

  Client client_;
  ItemReaderRequest request_;
  ItemSourceOptions options_;
  std::int64_t limit_;

  std::unique_ptr<ItemParser> parser_;  // kGetObject
  bool size_known_ = false;             // kGetObject: HEAD answered
  std::uint64_t size_ = 0;
  std::string etag_;
  std::uint64_t offset_ = 0;  // bytes fetched

  std::deque<ObjectEntry> listed_;  // kListObjectsV2: the page's entries not yet handed out
  std::string token_;
  bool listed_all_ = false;

  std::uint64_t items_read_ = 0;
  Status error_;     // for good
  bool ended_ = false;
  std::size_t want_ = 0;
  std::vector<bj::value> batch_;
  std::function<void(Result<ItemBatch>)> done_;
};

}  // namespace stepd::s3
