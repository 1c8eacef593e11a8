#pragma once
// A Distributed Map's ResultWriter: the files AWS Step Functions writes to
// S3 for a Map Run, and the Map state's output that points at them.
//
//   <Prefix>/<map run id>/SUCCEEDED_0.json   the children that succeeded
//                         FAILED_0.json      failed, timed out or aborted
//                         PENDING_0.json     items never started
//                         manifest.json      written last: where the others are
//
// (<map run id>: the last ':' part of the Map Run ARN, a UUID.) A file holds
// a JSON array of records (OutputType JSONL: one record per line, files
// named *.jsonl); a status with no record gets no file. A file that would
// grow past max_file_bytes is closed and the next one opened
// (SUCCEEDED_1.json, ...), so memory stays bounded however many children run.
//
// A record, with WriterConfig Transformation NONE (the default with an S3
// destination), members in this (sorted) order:
//   {"Cause"?, "Error"?, "ExecutionArn", "Input", "InputDetails": {"Included": true},
//    "Name", "Output"?, "OutputDetails"?: {"Included": true}, "RedriveCount",
//    "RedriveStatus", "RedriveStatusReason"?, "StartDate", "StateMachineArn",
//    "Status", "StopDate"}
// (Input and Output as JSON text); a PENDING item is {"Input", "InputDetails",
// "Status"}. COMPACT writes a succeeded child as its output value; FLATTEN
// too, an array output spread into one record per element. Failed children
// stay as NONE writes them (as AWS documents).
//
// manifest.json:
//   {"DestinationBucket": B, "MapRunArn": A,
//    "ResultFiles": {"FAILED": [{"Key": K, "Size": N}...], "PENDING": [...], "SUCCEEDED": [...]}}
// The Map state's output: {"MapRunArn": A, "ResultWriterDetails": {"Bucket": B, "Key": <manifest key>}}.
//
// ResultFiles is pure and one-thread-at-a-time; put_result_files() does the
// I/O (client.h).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "src/common/status.h"
#include "src/s3/client.h"

namespace stepd::s3 {

namespace bj = boost::json;

// The error every ResultWriter failure carries.
inline constexpr char kResultWriterFailed[] = "States.ResultWriterFailed";

enum class Transformation : unsigned char { kNone, kCompact, kFlatten };
enum class OutputType : unsigned char { kJson, kJsonl };

// A ResultWriter's Parameters / Arguments and WriterConfig, evaluated.
struct ResultWriterConfig {
  std::string bucket;
  std::string prefix;  // "" writes under "<map run id>/"
  Transformation transformation = Transformation::kNone;
  OutputType output_type = OutputType::kJson;
  std::uint64_t max_file_bytes = 64 << 20;  // stepd's choice; AWS does not document its own
};

// From the evaluated Parameters ({"Bucket", "Prefix"}) and the WriterConfig
// ({"Transformation", "OutputType"}; may be null). Errors: InvalidArgument
// naming the field.
Result<ResultWriterConfig> result_writer_config_from_json(const bj::value& parameters, const bj::value& writer_config);

// One child workflow execution of the Map Run, or an item never started.
struct ChildResult {
  std::string status;  // SUCCEEDED | FAILED | TIMED_OUT | ABORTED, or PENDING (never started)
  std::string execution_arn;
  std::string name;
  std::string state_machine_arn;
  std::string input;   // JSON text
  std::string output;  // JSON text; SUCCEEDED only
  std::string error;   // when the child failed with one
  std::string cause;
  std::int64_t start_ms = 0;  // ms since the epoch
  std::int64_t stop_ms = 0;
  int redrive_count = 0;
  std::string redrive_status;         // "": NOT_REDRIVABLE when SUCCEEDED, REDRIVABLE otherwise
  std::string redrive_status_reason;  // "": "Execution is SUCCEEDED and cannot be redriven" when SUCCEEDED
};

// An object to put.
struct ResultFile {
  std::string key;
  std::string body;
};

class ResultFiles {
 public:
  // REQUIRES: map_run_arn ends in ":<id>".
  ResultFiles(ResultWriterConfig config, std::string map_run_arn);

  // Adds the child's record(s) to its status's file; answers the files that
  // filled up, to put now (in any order). Errors: InvalidArgument when a
  // COMPACT or FLATTEN output is not JSON text.
  Result<std::vector<ResultFile>> add(const ChildResult& child);
  // Closes the open files: they, then manifest.json, which must be put last
  // (after every file add() and finish() returned). Call once.
  std::vector<ResultFile> finish();

  const std::string& manifest_key() const { return manifest_key_; }
  // The Map state's output.
  bj::value map_output() const;

 private:
  struct Category {
    explicit Category(const char* n) : name(n) {}
    const char* name;  // "SUCCEEDED", "FAILED", "PENDING"
    std::string body;  // the open file's records, joined
    std::size_t records = 0;
    int next_index = 0;
    bj::array written;  // [{"Key", "Size"}] of the files closed
  };

  void append(Category& c, const std::string& record, std::vector<ResultFile>& ready);
  ResultFile close(Category& c);

  ResultWriterConfig config_;
  std::string map_run_arn_;
  std::string dir_;  // "<prefix>/<map run id>/"
  std::string manifest_key_;
  Category succeeded_{"SUCCEEDED"};
  Category failed_{"FAILED"};
  Category pending_{"PENDING"};
};

// The record of `child` as Transformation NONE writes it (see above).
bj::object child_record(const ChildResult& child);

// Puts `files` into `bucket`, one after another; `done` gets OK, or the
// first failure as States.ResultWriterFailed with its cause (S3's
// SDK-worded message, requests.h). `done` runs as Client's callbacks do.
void put_result_files(const Client& client, const std::string& bucket, std::vector<ResultFile> files,
                      std::function<void(Status)> done);

}  // namespace stepd::s3
