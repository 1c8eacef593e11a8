#pragma once
// The one place for the runtime's atoms and message types (CAF 0.17).
// In 0.17 an atom's text is its type: keep every text unique (at most 10
// characters); the `sd_` prefix keeps them apart from CAF's own.

#include <functional>
#include <memory>

#include <caf/all.hpp>

#include "src/asl/machine.h"
#include "src/engine/engine.h"
#include "storage/journal.h"

namespace stepd::actors {

using start_atom = caf::atom_constant<caf::atom("sd_start")>;   // begin a new execution
using recover_atom = caf::atom_constant<caf::atom("sd_recov")>;  // rebuild an open one from its log
using fact_atom = caf::atom_constant<caf::atom("sd_fact")>;      // a fact for the engine
using ack_atom = caf::atom_constant<caf::atom("sd_ack")>;        // a batch of events is durable
using done_atom = caf::atom_constant<caf::atom("sd_done")>;      // an execution finished
using idle_atom = caf::atom_constant<caf::atom("sd_idle")>;      // answer when nothing runs
using count_atom = caf::atom_constant<caf::atom("sd_count")>;    // how many executions run
using passive_atom = caf::atom_constant<caf::atom("sd_passive")>;  // an execution sleeps until its timer
using wake_atom = caf::atom_constant<caf::atom("sd_wake")>;       // the coordinator's timer-index poll

using MachinePtr = std::shared_ptr<const asl::StateMachine>;

// Called once an execution's start is durable (its ARN), or with why it
// could not start. Runs on an actor's thread: keep it short.
using StartCallback = std::function<void(Result<std::string>)>;

}  // namespace stepd::actors

// Messages stay inside one process for now (remote workers come with issue
// #6, which adds inspect() and registration); CAF may pass these unchecked.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::engine::Fact)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::storage::ExecutionRecord)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::MachinePtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::StartCallback)
