#pragma once
// The one place for the runtime's atoms and message types (CAF 0.17).
// In 0.17 an atom's text is its type: keep every text unique (at most 10
// characters); the `sd_` prefix keeps them apart from CAF's own.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
using route_atom = caf::atom_constant<caf::atom("sd_route")>;     // a message for execution seq (woken if asleep)
using stop_atom = caf::atom_constant<caf::atom("sd_stop")>;       // StopExecution
using redrive_atom = caf::atom_constant<caf::atom("sd_redrv")>;   // RedriveExecution
using offer_atom = caf::atom_constant<caf::atom("sd_offer")>;     // a task waits on a token (activity, callback)
using withdraw_atom = caf::atom_constant<caf::atom("sd_wdraw")>;  // that task is no longer wanted
using poll_atom = caf::atom_constant<caf::atom("sd_poll")>;       // GetActivityTask
using expire_atom = caf::atom_constant<caf::atom("sd_expire")>;   // a poll's time is up
using answer_atom = caf::atom_constant<caf::atom("sd_answer")>;   // SendTaskSuccess/Failure
using beat_atom = caf::atom_constant<caf::atom("sd_beat")>;       // SendTaskHeartbeat
using hbcheck_atom = caf::atom_constant<caf::atom("sd_hbchk")>;   // is a heartbeat overdue?
using overview_atom = caf::atom_constant<caf::atom("sd_overvw")>; // activity queues and workers (the console)
using watch_atom = caf::atom_constant<caf::atom("sd_watch")>;     // tell me when this execution has ended
using child_atom = caf::atom_constant<caf::atom("sd_child")>;     // a nested execution a task started
using retry_atom = caf::atom_constant<caf::atom("sd_retry")>;     // resume an execution whose append failed
// Map Runs (actors/map_run.cpp).
using mrtake_atom = caf::atom_constant<caf::atom("sd_mrtake")>;   // answer this (seq, frame, token) now
using mrend_atom = caf::atom_constant<caf::atom("sd_mrend")>;     // a child ended (index, status, output)
using mrabort_atom = caf::atom_constant<caf::atom("sd_mrabrt")>;  // the parent gave the Map Run up
using mrupdate_atom = caf::atom_constant<caf::atom("sd_mrupd")>;  // UpdateMapRun
using mrview_atom = caf::atom_constant<caf::atom("sd_mrview")>;   // DescribeMapRun's live record
using mrsent_atom = caf::atom_constant<caf::atom("sd_mrsent")>;   // the outcome reached the parent (or not)
using mritems_atom = caf::atom_constant<caf::atom("sd_mritems")>; // the ItemReader read more items
using mrput_atom = caf::atom_constant<caf::atom("sd_mrput")>;     // result files were put (or not)
using mrflush_atom = caf::atom_constant<caf::atom("sd_mrflush")>; // store the EXPRESS children's ends now

using MachinePtr = std::shared_ptr<const asl::StateMachine>;
// An execution's first decision, made by the caller (the engine is pure)
// and handed to the execution's actor with the state it left.
using StartedPtr = std::shared_ptr<engine::Started>;

// Called once an execution's start is durable (its ARN), or with why it
// could not start. Runs on an actor's thread: keep it short.
using StartCallback = std::function<void(Result<std::string>)>;
// Called with the execution's record once its end is durable
// (StartSyncExecution), or once a stop / redrive is (or with why not).
using RecordCallback = std::function<void(Result<storage::ExecutionRecord>)>;
using StatusCallback = std::function<void(Status)>;
using MapRunSpecPtr = std::shared_ptr<const engine::MapRunSpec>;
// UpdateMapRun's fields (each optional).
struct MapRunUpdate {
  std::optional<std::int64_t> max_concurrency, tolerated_count;
  std::optional<double> tolerated_percentage;
};

// A task that waits on a token: offered by its execution to the
// coordinator, which routes SendTask* calls and activity polls.
struct TaskOffer {
  std::string task_token;
  std::uint64_t seq = 0;
  std::int32_t frame = 0;
  std::uint64_t effect_token = 0;
  std::string activity_arn;  // empty: a .waitForTaskToken callback, not queued for workers
  std::string input;         // JSON text handed to the worker
};

// GetActivityTask's answer: the token and input, or nothing in time.
struct PolledTask {
  std::string task_token;
  std::string input;
};
using PollCallback = std::function<void(std::optional<PolledTask>)>;

// (overview_atom) at the coordinator: one per activity with queued tasks,
// tasks handed out, or waiting polls (the gateway's among them).
struct ActivityQueueView {
  std::string activity_arn;
  std::size_t queued = 0;             // offered, no worker has them yet
  std::size_t started = 0;            // handed to a worker, not answered yet
  std::vector<std::string> pollers;   // the worker name of each waiting poll, oldest first
};
// (overview_atom) at the worker gateway: one per registration.
struct WorkerView {
  std::string name;
  std::vector<std::string> activity_arns;
  std::uint32_t concurrency = 0;
  std::size_t held = 0;               // tasks pushed, not answered yet
  std::map<std::string, std::uint32_t> polls;  // activity ARN -> its polls open at the coordinator
  bool connected = true;              // false: lost, its last polls still out
};
using ActivityQueueViews = std::vector<ActivityQueueView>;
using WorkerViews = std::vector<WorkerView>;

}  // namespace stepd::actors

// Messages stay inside one process for now (remote workers come with issue
// #6, which adds inspect() and registration); CAF may pass these unchecked.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::engine::Fact)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::storage::ExecutionRecord)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::MachinePtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::StartedPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::StartCallback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::RecordCallback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::StatusCallback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::PollCallback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::TaskOffer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::ActivityQueueViews)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::WorkerViews)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::MapRunSpecPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::actors::MapRunUpdate)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stepd::storage::MapRunRecord)
