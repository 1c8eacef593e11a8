#pragma once
// Remote actor workers: the wire protocol between the worker gateway (in
// `stepd serve`) and the worker SDK (src/worker/worker.h), and the gateway's
// spawn/publish functions. Include only in actors/workers.cpp, actors/runtime.cpp
// and src/worker/worker.cpp.
//
// These atoms live here rather than in actors/messages.h because the SDK
// shares them and must not pull in the engine. Every message carries only
// CAF's built-in types (atoms, strings, integers), so no add_message_type is
// needed on either side. Texts start with `sdw_`, apart from messages.h's `sd_`.
//
//   worker                                    gateway                       coordinator
//   (sdw_reg, arns "\n"-joined, N, name) --->  monitors the worker,
//                                              keeps N polls open  ------->  (poll_atom ...)
//   (sdw_task, token, input)            <---   a poll returned a task  <---  PolledTask
//   (sdw_ok, token, output JSON)        --->                        ------->  (answer_atom ...)
//   (sdw_fail, token, error, cause)     --->                        ------->  (answer_atom ...)
//   (sdw_beat, token)                   --->                        ------->  (beat_atom ...)
//   (sdw_gone, token, why)              <---   the task no longer exists (timed out, ...)
//   down (killed, network cut)          --->   each task it held fails with stepd.WorkerLost
//
// A task that a poll of a dead worker returns fails with stepd.WorkerLost at
// once too (the coordinator has already recorded ActivityStarted for it), so
// Retry/Catch decide, exactly as for the tasks the worker held.

#include <cstdint>
#include <string>

#include <caf/all.hpp>

#include "src/common/status.h"

namespace stepd::actors {

using wreg_atom = caf::atom_constant<caf::atom("sdw_reg")>;    // a worker registers
using wtask_atom = caf::atom_constant<caf::atom("sdw_task")>;  // a task pushed to a worker
using wok_atom = caf::atom_constant<caf::atom("sdw_ok")>;      // a worker's task succeeded
using wfail_atom = caf::atom_constant<caf::atom("sdw_fail")>;  // a worker's task failed
using wbeat_atom = caf::atom_constant<caf::atom("sdw_beat")>;  // a worker's heartbeat
using wgone_atom = caf::atom_constant<caf::atom("sdw_gone")>;  // that token is unknown now
using wgot_atom = caf::atom_constant<caf::atom("sdw_got")>;    // gateway-internal: a poll returned

// The error a task fails with when its worker is lost.
inline constexpr const char* kWorkerLost = "stepd.WorkerLost";

// How a remote worker is served. Empty tls_cert: plaintext.
struct WorkerTransport {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS picks one
  std::string tls_cert, tls_key, tls_ca;
  bool tls() const { return !tls_cert.empty(); }
};

// Loads what the transport needs into `cfg` (the io middleman, and CAF's
// openssl module with its certificate settings for TLS).
// REQUIRES: called before the actor system is built from `cfg`.
void configure_worker_transport(caf::actor_system_config& cfg, const WorkerTransport& transport);

// Spawns the gateway in front of `coordinator` and publishes it; returns
// the bound port. REQUIRES: `sys` was configured by configure_worker_transport.
Result<std::uint16_t> publish_worker_gateway(caf::actor_system& sys, const caf::actor& coordinator,
                                             const WorkerTransport& transport, caf::actor* gateway);

}  // namespace stepd::actors
