#include "actors/integrations.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "src/integrations/integration.h"

namespace stepd::actors {

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

engine::Fact fact_for(const engine::Effect& e, const integrations::TaskOutcome& o, bool wait_for_token) {
  engine::Fact f;
  f.frame = e.frame;
  f.token = e.token;
  if (o.ok) {
    f.kind = wait_for_token ? engine::FactKind::kTaskSubmitted : engine::FactKind::kTaskSucceeded;
    f.output = o.output;
  } else {
    f.kind = engine::FactKind::kTaskFailed;
    f.error = o.error;
    f.cause = o.cause;
  }
  return f;
}

}  // namespace

Integrations::Integrations(integrations::Config config, std::unique_ptr<net::HttpClient> client)
    : config_(std::move(config)), client_(std::move(client)) {}

Integrations::~Integrations() = default;

Result<std::unique_ptr<Integrations>> Integrations::start(integrations::Config config,
                                                          const net::HttpClientOptions& client) {
  auto c = net::HttpClient::start(client);
  if (!c.ok()) return c.status();
  return std::unique_ptr<Integrations>(new Integrations(std::move(config), std::move(c).value()));
}

bool Integrations::handles(const std::string& resource) const { return integrations::handles(resource); }

s3::Client Integrations::s3() const {
  s3::ClientOptions o;
  auto it = config_.endpoints.find("s3");
  o.endpoint.url = it != config_.endpoints.end() ? it->second : "https://s3." + config_.region + ".amazonaws.com";
  o.endpoint.region = config_.region;
  o.endpoint.credentials = config_.credentials;
  return s3::Client(*client_, std::move(o));
}

std::size_t Integrations::connections_opened() const { return client_->connections_opened(); }

void Integrations::invoke(const engine::Effect& e, std::function<void(engine::Fact)> done) {
  auto prepared = integrations::prepare(e.resource, e.payload, config_, wall_ms());
  if (!prepared.ok()) {
    const Status& s = prepared.status();
    auto o = s.code() == Code::kFailed ? integrations::TaskOutcome::failure(s.error(), s.message())
                                       : integrations::TaskOutcome::failure("States.Runtime", s.message());
    return done(fact_for(e, o, false));
  }
  // Past the Task's TimeoutSeconds the engine has moved on (States.Timeout)
  // and the answer is stale: free the connection soon after.
  if (e.timeout_seconds && *e.timeout_seconds > 0) {
    std::chrono::milliseconds cap((*e.timeout_seconds + 1) * 1000);
    prepared->call.timeout = std::min(prepared->call.timeout, cap);
  }
  auto resource = std::move(prepared->resource);
  client_->request(std::move(prepared->call),
                   [resource = std::move(resource), frame = e.frame, token = e.token, done = std::move(done)](
                       net::HttpResult r) {
                     engine::Effect id;
                     id.frame = frame;
                     id.token = token;
                     done(fact_for(id, integrations::interpret(resource, r), resource.wait_for_task_token));
                   });
}

}  // namespace stepd::actors
