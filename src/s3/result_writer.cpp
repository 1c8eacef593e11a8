#include "src/s3/result_writer.h"

#include <memory>
#include <utility>

#include <boost/json/object.hpp>

#include "src/common/json.h"
#include "src/common/timestamp.h"
#include "src/s3/config_fields.h"

namespace stepd::s3 {

namespace {

constexpr FieldName kTransformations[] = {{"NONE", static_cast<int>(Transformation::kNone)},
                                          {"COMPACT", static_cast<int>(Transformation::kCompact)},
                                          {"FLATTEN", static_cast<int>(Transformation::kFlatten)}};
constexpr FieldName kOutputTypes[] = {{"JSON", static_cast<int>(OutputType::kJson)},
                                      {"JSONL", static_cast<int>(OutputType::kJsonl)}};

bj::object included() { return bj::object{{"Included", true}}; }

// Puts job->files[next...] one after another.
struct PutJob {
  Client client;
  std::string bucket;
  std::vector<ResultFile> files;
  std::size_t next = 0;
  std::function<void(Status)> done;
};

void put_next(const std::shared_ptr<PutJob>& job) {
  if (job->next == job->files.size()) return job->done(Status());
  ResultFile& f = job->files[job->next++];
  const bool jsonl = f.key.size() > 6 && f.key.compare(f.key.size() - 6, 6, ".jsonl") == 0;
  job->client.put_object(job->bucket, f.key, std::move(f.body), jsonl ? "application/jsonl" : "application/json",
                         [job](Result<std::string> r) {
                           if (!r.ok()) return job->done(Status::failed(kResultWriterFailed, r.status().message()));
                           put_next(job);
                         });
}

}  // namespace

Result<ResultWriterConfig> result_writer_config_from_json(const bj::value& parameters, const bj::value& writer_config) {
  ResultWriterConfig c;
  const bj::object* p = parameters.if_object();
  const bj::value* bucket = p ? p->if_contains("Bucket") : nullptr;
  if (!bucket || !bucket->is_string() || bucket->get_string().empty()) {
    return Status::invalid("ResultWriter: Bucket must be a non-empty string");
  }
  c.bucket = bucket->get_string();
  if (const bj::value* prefix = p->if_contains("Prefix")) {
    if (!prefix->is_string()) return Status::invalid("ResultWriter: Prefix must be a string");
    c.prefix = prefix->get_string();
  }
  if (writer_config.is_null()) return c;
  const bj::object* w = writer_config.if_object();
  if (!w) return Status::invalid("WriterConfig must be an object");
  if (Status s = enum_field(*w, "WriterConfig", "Transformation", kTransformations, &c.transformation); !s.ok()) {
    return s;
  }
  if (Status s = enum_field(*w, "WriterConfig", "OutputType", kOutputTypes, &c.output_type); !s.ok()) return s;
  return c;
}

bj::object child_record(const ChildResult& child) {
  bj::object r;
  if (child.status == "PENDING") {
    r["Input"] = child.input;
    r["InputDetails"] = included();
    r["Status"] = child.status;
    return r;
  }
  const bool succeeded = child.status == "SUCCEEDED";
  if (!child.cause.empty()) r["Cause"] = child.cause;
  if (!child.error.empty()) r["Error"] = child.error;
  r["ExecutionArn"] = child.execution_arn;
  r["Input"] = child.input;
  r["InputDetails"] = included();
  r["Name"] = child.name;
  if (succeeded) {
    r["Output"] = child.output;
    r["OutputDetails"] = included();
  }
  r["RedriveCount"] = child.redrive_count;
  r["RedriveStatus"] =
      !child.redrive_status.empty() ? child.redrive_status : succeeded ? "NOT_REDRIVABLE" : "REDRIVABLE";
  if (!child.redrive_status_reason.empty()) r["RedriveStatusReason"] = child.redrive_status_reason;
  else if (succeeded) r["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven";
  r["StartDate"] = timestamp::format_ms(child.start_ms);
  r["StateMachineArn"] = child.state_machine_arn;
  r["Status"] = child.status;
  r["StopDate"] = timestamp::format_ms(child.stop_ms);
  return r;
}

ResultFiles::ResultFiles(ResultWriterConfig config, std::string map_run_arn)
    : config_(std::move(config)), map_run_arn_(std::move(map_run_arn)) {
  assert(map_run_arn_.find(':') != std::string::npos);
  const std::string id = map_run_arn_.substr(map_run_arn_.rfind(':') + 1);
  if (!config_.prefix.empty()) dir_ = config_.prefix + (config_.prefix.back() == '/' ? "" : "/");
  dir_ += id + "/";
  manifest_key_ = dir_ + "manifest.json";
}

Result<std::vector<ResultFile>> ResultFiles::add(const ChildResult& child) {
  std::vector<ResultFile> ready;
  if (child.status == "PENDING") {
    append(pending_, json::to_json(child_record(child)), ready);
  } else if (child.status != "SUCCEEDED") {
    append(failed_, json::to_json(child_record(child)), ready);
  } else if (config_.transformation == Transformation::kNone) {
    append(succeeded_, json::to_json(child_record(child)), ready);
  } else {
    auto output = json::parse(child.output);
    if (!output.ok()) return Status::invalid("ResultWriter: the output of " + child.execution_arn + " is not JSON");
    if (config_.transformation == Transformation::kFlatten && output->is_array()) {
      for (const bj::value& v : output->get_array()) append(succeeded_, json::to_json(v), ready);
    } else {
      append(succeeded_, json::to_json(*output), ready);
    }
  }
  return ready;
}

void ResultFiles::append(Category& c, const std::string& record, std::vector<ResultFile>& ready) {
  // +1 for the ',' or '\n' after it, +2 for the brackets around a JSON array.
  if (c.records > 0 && c.body.size() + record.size() + 3 > config_.max_file_bytes) ready.push_back(close(c));
  if (config_.output_type == OutputType::kJson && c.records > 0) c.body += ',';
  c.body += record;
  if (config_.output_type == OutputType::kJsonl) c.body += '\n';
  ++c.records;
}

ResultFile ResultFiles::close(Category& c) {
  const bool jsonl = config_.output_type == OutputType::kJsonl;
  ResultFile f;
  f.key = dir_ + c.name + "_" + std::to_string(c.next_index++) + (jsonl ? ".jsonl" : ".json");
  f.body = jsonl ? std::move(c.body) : "[" + c.body + "]";
  c.written.push_back(bj::object{{"Key", f.key}, {"Size", f.body.size()}});
  c.body.clear();
  c.records = 0;
  return f;
}

std::vector<ResultFile> ResultFiles::finish() {
  std::vector<ResultFile> out;
  for (Category* c : {&succeeded_, &failed_, &pending_}) {
    if (c->records > 0) out.push_back(close(*c));
  }
  bj::object manifest{{"DestinationBucket", config_.bucket},
                      {"MapRunArn", map_run_arn_},
                      {"ResultFiles", bj::object{{"FAILED", failed_.written},
                                                 {"PENDING", pending_.written},
                                                 {"SUCCEEDED", succeeded_.written}}}};
  out.push_back(ResultFile{manifest_key_, json::to_json(manifest)});
  return out;
}

bj::value ResultFiles::map_output() const {
  return bj::object{{"MapRunArn", map_run_arn_},
                    {"ResultWriterDetails", bj::object{{"Bucket", config_.bucket}, {"Key", manifest_key_}}}};
}

void put_result_files(const Client& client, const std::string& bucket, std::vector<ResultFile> files,
                      std::function<void(Status)> done) {
  put_next(std::make_shared<PutJob>(PutJob{client, bucket, std::move(files), 0, std::move(done)}));
}

}  // namespace stepd::s3
