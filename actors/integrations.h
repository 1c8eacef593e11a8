#pragma once
// stepd's networked service integrations as a service the execution actors
// call: one HttpClient (pooled, keep-alive, HTTPS) shared by every
// execution, and the pure mapping of src/integrations around it. No CAF
// here: the answer comes back through a callback, and the caller turns it
// into a message.
//
// Safe from any thread. Destroy it only when no invoke() is running; the
// callbacks still owed are called then, with a failed task.

#include <functional>
#include <memory>
#include <string>

#include "src/common/status.h"
#include "src/engine/engine.h"
#include "src/integrations/config.h"
#include "src/net/http_client.h"
#include "src/s3/client.h"

namespace stepd::actors {

class Integrations {
 public:
  // Errors: those of HttpClient::start.
  static Result<std::unique_ptr<Integrations>> start(integrations::Config config,
                                                     const net::HttpClientOptions& client = {});
  ~Integrations();
  Integrations(const Integrations&) = delete;
  Integrations& operator=(const Integrations&) = delete;

  // Whether invoke() answers this Task resource (see src/integrations/integration.h).
  bool handles(const std::string& resource) const;

  // Calls the service for a kInvokeTask effect and answers with one fact,
  // exactly once, on a client thread (or inside invoke() when the call
  // cannot be made): kTaskSucceeded with the output, kTaskFailed with error
  // and cause, or kTaskSubmitted with the response for a .waitForTaskToken
  // resource (its result comes later, from SendTaskSuccess/Failure). The
  // fact carries the effect's frame and token; the caller stamps now_ms.
  // REQUIRES: handles(e.resource).
  void invoke(const engine::Effect& e, std::function<void(engine::Fact)> done);

  // S3 for a Distributed Map's ItemReader and ResultWriter, on the same
  // HTTP client: the "s3" endpoint of the config (`stepd serve
  // --s3-endpoint`), else https://s3.<region>.amazonaws.com, signed with the
  // config's credentials.
  s3::Client s3() const;

  // The HTTP client's count of opened connections (tests, metrics).
  std::size_t connections_opened() const;

 private:
  Integrations(integrations::Config config, std::unique_ptr<net::HttpClient> client);
  const integrations::Config config_;
  std::unique_ptr<net::HttpClient> client_;
};

}  // namespace stepd::actors
