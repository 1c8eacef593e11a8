#include "src/s3/item_source.h"

#include <algorithm>
#include <utility>

namespace stepd::s3 {

namespace {

// Every failure of the source is States.ItemReaderFailed; S3's and the
// transport's keep their cause.
Status reader_status(const Status& s) {
  if (s.error() == kItemReaderFailed) return s;
  return Status::failed(kItemReaderFailed, s.message());
}

}  // namespace

Result<std::shared_ptr<ItemSource>> ItemSource::open(Client client, ItemReaderRequest request,
                                                     ItemSourceOptions options) {
  assert(options.range_bytes > 0);
  if (Status s = check_reader_config(request.config); !s.ok()) return s;
  auto source = std::make_shared<ItemSource>(std::move(client), std::move(request), std::move(options));
  if (source->request_.resource == ItemReaderRequest::Resource::kGetObject) {
    auto parser = make_parser(source->request_.config, source->options_.limits);
    if (!parser.ok()) return parser.status();
    source->parser_ = std::move(parser).value();
  }
  return source;
}

ItemSource::ItemSource(Client client, ItemReaderRequest request, ItemSourceOptions options)
    : client_(std::move(client)),
      request_(std::move(request)),
      options_(std::move(options)),
      limit_(item_limit(request_.config)) {}

void ItemSource::next(std::size_t n, std::function<void(Result<ItemBatch>)> done) {
  assert(n > 0 && !done_);
  if (!error_.ok()) return done(error_);
  if (ended_) return done(ItemBatch{{}, true});
  want_ = n;
  done_ = std::move(done);
  batch_.clear();
  pump();
}

void ItemSource::pump() {
  while (batch_.size() < want_ && static_cast<std::int64_t>(items_read_) < limit_) {
    Result<Pulled> r = pull();
    if (!r.ok()) {
      error_ = reader_status(r.status());
      return answer(error_);
    }
    if (r->kind == Pulled::kNeedMore) return fetch();
    if (r->kind == Pulled::kEnd) {
      ended_ = true;
      break;
    }
    batch_.push_back(std::move(r->item));
    ++items_read_;
  }
  if (static_cast<std::int64_t>(items_read_) >= limit_) ended_ = true;
  answer(ItemBatch{std::move(batch_), ended_});
}

Result<Pulled> ItemSource::pull() {
  if (parser_) {
    if (!size_known_) return Pulled{};
    Result<Pulled> r = parser_->next();
    if (r.ok() && r->kind == Pulled::kNeedMore && offset_ >= size_) {
      parser_->finish();
      return parser_->next();
    }
    return r;
  }
  if (!listed_.empty()) {
    Pulled p{Pulled::kItem, list_object_item(listed_.front())};
    listed_.pop_front();
    return p;
  }
  return Pulled{listed_all_ ? Pulled::kEnd : Pulled::kNeedMore, {}};
}

void ItemSource::fetch() {
  auto self = shared_from_this();
  auto failed = [self](const Status& s) {
    self->error_ = reader_status(s);
    self->answer(self->error_);
  };
  if (!parser_) {
    ListRequest req{request_.bucket, request_.prefix, token_, options_.list_page_keys};
    return client_.list_objects_v2(req, [self, failed](Result<ListPage> page) {
      if (!page.ok()) return failed(page.status());
      for (ObjectEntry& e : page->objects) self->listed_.push_back(std::move(e));
      self->token_ = page->next_token;
      self->listed_all_ = !page->truncated;
      self->pump();
    });
  }
  // HEAD first: the size (an empty object needs no GET: S3 answers a range
  // of nothing InvalidRange, and some S3-compatible servers worse) and the
  // ETag every GET must match.
  if (!size_known_) {
    return client_.head_object(request_.bucket, request_.key, [self, failed](Result<ObjectInfo> info) {
      if (!info.ok() && info.status().error() == "NotFound") {
        // A HEAD's 404 has no body to say what is missing: a GET's error does
        // (NoSuchKey or NoSuchBucket, with S3's message).
        return self->client_.get_object(self->request_.bucket, self->request_.key, 0, 0, "",
                                        [failed, head = info.status()](Result<ObjectPart> part) {
                                          failed(part.ok() ? head : part.status());
                                        });
      }
      if (!info.ok()) return failed(info.status());
      self->size_known_ = true;
      self->size_ = info->size;
      self->etag_ = info->etag;
      self->pump();
    });
  }
  const std::uint64_t last = std::min(offset_ + options_.range_bytes, size_) - 1;
  client_.get_object(request_.bucket, request_.key, offset_, last, etag_, [self, failed](Result<ObjectPart> part) {
    if (!part.ok()) return failed(part.status());
    if (part->offset != self->offset_ || part->data.empty()) {
      return failed(Status::invalid("S3 GetObject answered " + std::to_string(part->data.size()) + " bytes from " +
                                    std::to_string(part->offset) + " for a read from " +
                                    std::to_string(self->offset_)));
    }
    self->offset_ += part->data.size();
    self->parser_->feed(part->data);
    self->pump();
  });
}

void ItemSource::answer(Result<ItemBatch> r) {
  auto done = std::move(done_);
  done_ = nullptr;
  batch_.clear();
  done(std::move(r));
}

}  // namespace stepd::s3
