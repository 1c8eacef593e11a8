#pragma once
// `stepd serve`: the Step Functions API on HTTP, over the durable runtime.

#include <cstdint>
#include <string>

namespace stepd::api {

struct ServeOptions {
  std::string bind = "127.0.0.1";
  unsigned short port = 8083;
  std::string data_dir = "./data";
  std::string region = "us-east-1";
  std::string account = "123456789012";
  std::size_t threads = 2;
  std::int64_t activity_poll_seconds = 60;  // GetActivityTask's long poll, as on AWS
};

// Serves until SIGTERM or SIGINT, then drains and returns 0; 1 when it
// could not start (the reason on stderr).
int serve(const ServeOptions& options);

}  // namespace stepd::api
