#pragma once
// `stepd serve`: the Step Functions API on HTTP, over the durable runtime.

#include <cstdint>
#include <string>
#include <vector>

namespace stepd::api {

struct ServeOptions {
  std::string bind = "127.0.0.1";
  unsigned short port = 8083;
  std::string data_dir = "./data";
  std::string region = "us-east-1";
  std::string account = "123456789012";
  std::size_t threads = 2;
  std::int64_t activity_poll_seconds = 60;  // GetActivityTask's long poll, as on AWS
  // Remote actor workers (src/worker/worker.h): -1 serves none; 0 lets the
  // OS pick the port (printed on stderr). TLS when worker_tls_cert is set.
  int worker_port = -1;
  std::string worker_tls_cert, worker_tls_key, worker_tls_ca;
  // Service integrations (actors/integrations.h): Lambda's Invoke API base
  // URL (empty: AWS's), and aws-sdk services' base URLs as "service=URL".
  // Calls are signed (SigV4) when AWS_ACCESS_KEY_ID and
  // AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) are in the environment.
  std::string lambda_endpoint;
  std::vector<std::string> service_endpoints;
  // S3 for Distributed Map ItemReader / ResultWriter (path-style URLs, any
  // S3-compatible server); empty: https://s3.<region>.amazonaws.com.
  std::string s3_endpoint;
  // Execution logs (loggingConfiguration) as JSON lines: a file, or "-"
  // for stdout; empty: none.
  std::string execution_log;
  // The server's own log on stderr (src/log/log.h): debug (adds a line per
  // API request), info, warn or error; as text or JSON lines.
  std::string log_level = "info", log_format = "text";
  // HTTPS for the API and the console: PEM certificate chain and key.
  std::string tls_cert, tls_key;
  // Authentication (src/api/auth.h): "none", or "sigv4": API requests must
  // be SigV4-signed by a key of `credentials` (an AWS shared-credentials
  // file); the console and /metrics then want HTTP Basic (access key id,
  // secret access key).
  std::string auth = "none";
  std::string credentials;
};

// Serves until SIGTERM or SIGINT, then drains and returns 0; 1 when it
// could not start (the reason on stderr).
int serve(const ServeOptions& options);

}  // namespace stepd::api
