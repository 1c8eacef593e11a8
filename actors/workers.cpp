#include "actors/workers.h"

#include <chrono>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/messages.h"
#include "src/common/json.h"
#include "src/log/log.h"

namespace stepd::actors {

namespace {

constexpr std::chrono::seconds kPeerTimeout{10};

// A poll waits this long before the gateway asks again (one activity); with
// several activities each slot rotates over them, so it waits less.
constexpr std::int64_t kLongPollMs = 60000;
constexpr std::int64_t kRotatePollMs = 1000;
constexpr std::uint32_t kMaxConcurrency = 10000;

// One remote worker's registration: the activities it serves and the tasks
// it holds. `worker` is null once the worker is lost; the entry stays until
// its last poll came back (that poll's task, if any, fails as lost too).
struct Registration {
  caf::actor worker;
  std::string name;
  std::vector<std::string> arns;
  std::uint32_t concurrency = 1;
  std::uint32_t polls = 0;                  // open polls at the coordinator
  std::map<std::string, std::uint32_t> polling;  // the same by activity ARN (the console shows them)
  std::size_t next_arn = 0;                 // the activity the next poll waits on
  std::unordered_set<std::string> held;     // tokens pushed and not answered yet
};

// Owned by the gateway actor.
struct GatewayState {
  caf::actor coordinator;
  std::map<std::uint64_t, Registration> regs;
  std::multimap<caf::actor_addr, std::uint64_t> reg_of;   // worker -> its registrations
  std::unordered_map<std::string, std::uint64_t> holder;  // token -> registration holding it
  std::uint64_t next_reg = 0;
};
using Self = caf::stateful_actor<GatewayState>*;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Tells the worker (if it is still there) that its answer for `token` was refused.
StatusCallback refuse_to(caf::actor worker, std::string token) {
  return [worker = std::move(worker), token = std::move(token)](Status s) {
    if (!s.ok() && worker) caf::anon_send(worker, wgone_atom::value, token, s.message());
  };
}

void fail_lost(Self self, const std::string& token, const std::string& worker_name) {
  engine::Fact f;
  f.kind = engine::FactKind::kTaskFailed;
  f.error = kWorkerLost;
  f.cause = "The activity worker '" + worker_name + "' was lost (process killed or connection cut)";
  self->send(self->state.coordinator, answer_atom::value, token, std::move(f), StatusCallback([](Status) {}));
}

// Tops the registration's polls up to its concurrency; forgets a lost
// registration once nothing of it is left.
void refill(Self self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.regs.find(id);
  if (it == st.regs.end()) return;
  Registration& r = it->second;
  if (!r.worker) {
    if (r.polls == 0 && r.held.empty()) st.regs.erase(it);
    return;
  }
  caf::actor me = caf::actor_cast<caf::actor>(self);
  std::int64_t timeout = r.arns.size() > 1 ? kRotatePollMs : kLongPollMs;
  while (r.polls + r.held.size() < r.concurrency) {
    const std::string& arn = r.arns[r.next_arn++ % r.arns.size()];
    ++r.polls;
    ++r.polling[arn];
    PollCallback cb = [me, id, arn](std::optional<PolledTask> t) {
      if (t) {
        caf::anon_send(me, wgot_atom::value, id, arn, true, std::move(t->task_token), std::move(t->input));
      } else {
        caf::anon_send(me, wgot_atom::value, id, arn, false, std::string(), std::string());
      }
    };
    self->send(st.coordinator, poll_atom::value, arn, r.name, timeout, std::move(cb));
  }
}

// The worker answered `token` (or the token is unknown): frees its slot.
std::optional<std::uint64_t> release(Self self, const std::string& token) {
  auto& st = self->state;
  auto h = st.holder.find(token);
  if (h == st.holder.end()) return std::nullopt;
  std::uint64_t id = h->second;
  st.holder.erase(h);
  auto it = st.regs.find(id);
  if (it != st.regs.end()) it->second.held.erase(token);
  return id;
}

caf::actor worker_of(Self self, std::optional<std::uint64_t> id) {
  if (!id) return caf::actor_cast<caf::actor>(self->current_sender());
  auto it = self->state.regs.find(*id);
  return it == self->state.regs.end() ? caf::actor() : it->second.worker;
}

caf::behavior gateway_actor(caf::stateful_actor<GatewayState>* self, caf::actor coordinator) {
  self->state.coordinator = std::move(coordinator);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto range = st.reg_of.equal_range(dm.source);
    std::vector<std::uint64_t> ids;
    for (auto it = range.first; it != range.second; ++it) ids.push_back(it->second);
    st.reg_of.erase(range.first, range.second);
    for (std::uint64_t id : ids) {
      auto it = st.regs.find(id);
      if (it == st.regs.end()) continue;
      Registration& r = it->second;
      r.worker = nullptr;
      for (const std::string& token : r.held) {
        st.holder.erase(token);
        fail_lost(self, token, r.name);
      }
      r.held.clear();
      log::info("worker '" + r.name + "' lost", {{"worker", r.name}, {"registration", id}});
      refill(self, id);  // may forget the registration: r is not used after this
    }
  });
  return {
      [=](wreg_atom, const std::string& arns, std::uint32_t concurrency, const std::string& name) -> std::string {
        auto& st = self->state;
        auto worker = caf::actor_cast<caf::actor>(self->current_sender());
        if (!worker) return "a registration needs a sender";
        Registration r;
        r.arns = split_lines(arns);
        if (r.arns.empty()) return "a registration needs at least one activity ARN";
        if (concurrency == 0 || concurrency > kMaxConcurrency) {
          return "concurrency must be between 1 and " + std::to_string(kMaxConcurrency);
        }
        r.worker = worker;
        r.name = name.empty() ? "stepd-worker" : name;
        r.concurrency = concurrency;
        std::uint64_t id = ++st.next_reg;
        st.regs.emplace(id, std::move(r));
        st.reg_of.emplace(worker.address(), id);
        self->monitor(worker);
        refill(self, id);
        const Registration& added = st.regs.at(id);
        log::info("worker '" + added.name + "' connected", {{"worker", added.name}, {"registration", id},
                                                           {"activities", static_cast<std::uint64_t>(added.arns.size())},
                                                           {"concurrency", added.concurrency}});
        return std::string();
      },
      [=](wgot_atom, std::uint64_t id, const std::string& arn, bool has, std::string& token, std::string& input) {
        auto& st = self->state;
        auto it = st.regs.find(id);
        if (it == st.regs.end()) {  // cannot happen: a registration outlives its polls
          if (has) fail_lost(self, token, "unknown");
          return;
        }
        Registration& r = it->second;
        --r.polls;
        if (auto p = r.polling.find(arn); p != r.polling.end() && --p->second == 0) r.polling.erase(p);
        if (has) {
          if (!r.worker) {
            fail_lost(self, token, r.name);
          } else {
            r.held.insert(token);
            st.holder.emplace(token, id);
            self->send(r.worker, wtask_atom::value, std::move(token), std::move(input));
          }
        }
        refill(self, id);
      },
      [=](wok_atom, const std::string& token, const std::string& output) {
        auto id = release(self, token);
        caf::actor worker = worker_of(self, id);
        auto parsed = json::parse(output);
        if (!parsed.ok()) {
          // As SendTaskSuccess: the task keeps waiting; the worker hears why.
          if (id) {
            self->state.holder.emplace(token, *id);
            self->state.regs.at(*id).held.insert(token);
          }
          if (worker) self->send(worker, wgone_atom::value, token, "InvalidOutput: " + parsed.status().message());
          return;
        }
        engine::Fact f;
        f.kind = engine::FactKind::kTaskSucceeded;
        f.output = std::move(parsed).value();
        self->send(self->state.coordinator, answer_atom::value, token, std::move(f), refuse_to(worker, token));
        if (id) refill(self, *id);
      },
      [=](wfail_atom, const std::string& token, const std::string& error, const std::string& cause) {
        auto id = release(self, token);
        engine::Fact f;
        f.kind = engine::FactKind::kTaskFailed;
        if (!error.empty()) f.error = error;
        if (!cause.empty()) f.cause = cause;
        self->send(self->state.coordinator, answer_atom::value, token, std::move(f),
                   refuse_to(worker_of(self, id), token));
        if (id) refill(self, *id);
      },
      [=](wbeat_atom, const std::string& token) {
        auto h = self->state.holder.find(token);
        std::optional<std::uint64_t> id;
        if (h != self->state.holder.end()) id = h->second;
        self->send(self->state.coordinator, beat_atom::value, token, refuse_to(worker_of(self, id), token));
      },
      // The console's activities page: every registration, lost ones too
      // while their last polls are out.
      [=](overview_atom) -> WorkerViews {
        WorkerViews out;
        for (const auto& [id, r] : self->state.regs) {
          WorkerView v;
          v.name = r.name;
          v.activity_arns = r.arns;
          v.concurrency = r.concurrency;
          v.held = r.held.size();
          v.polls = r.polling;
          v.connected = static_cast<bool>(r.worker);
          out.push_back(std::move(v));
        }
        return out;
      },
  };
}

}  // namespace

void configure_worker_transport(caf::actor_system_config& cfg, const WorkerTransport& t) {
  cfg.load<caf::io::middleman>();
  // A peer that goes silent (network cut, no FIN) counts as lost after
  // kPeerTimeout; heartbeats keep an idle connection talking.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
  cfg.set("middleman.connection-timeout", caf::timespan{kPeerTimeout});
  if (t.tls()) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = t.tls_cert;
    cfg.openssl_key = t.tls_key;
    cfg.openssl_cafile = t.tls_ca;
  }
}

Result<std::uint16_t> publish_worker_gateway(caf::actor_system& sys, const caf::actor& coordinator,
                                             const WorkerTransport& t, caf::actor* gateway) {
  auto gw = sys.spawn(gateway_actor, coordinator);
  const char* in = t.bind.empty() ? nullptr : t.bind.c_str();
  caf::expected<std::uint16_t> port = t.tls() ? caf::openssl::publish(gw, t.port, in, true)
                                              : sys.middleman().publish(gw, t.port, in, true);
  if (!port) {
    caf::anon_send_exit(gw, caf::exit_reason::user_shutdown);
    return Status::io("cannot serve workers on " + t.bind + ":" + std::to_string(t.port) + ": " +
                      sys.render(port.error()));
  }
  *gateway = gw;
  return *port;
}

}  // namespace stepd::actors
