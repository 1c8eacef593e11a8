#include "storage/event_codec.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "schema/history_generated.h"

namespace stepd::storage {

namespace {

namespace bj = boost::json;
namespace fb = flatbuffers;
namespace fs = stepd::schema;
using engine::Event;
using engine::EventType;

static_assert(static_cast<int>(fs::HistoryEventType::MAX) + 1 == engine::kEventTypeCount,
              "schema/history.fbs and engine::EventType list different event types");

// How one details member is stored. Deduced from the generated accessor's
// return type (KindOf below), so a descriptor cannot disagree with the schema.
enum class Kind : unsigned char {
  kString,       // string member
  kInt64,        // long = null
  kInt32,        // int = null
  kUInt32,       // uint = null
  kTruncated,    // {"truncated": bool} as bool = null
  kCredentials,  // {"roleArn": string} as TaskCredentials
  kAssigned,     // {"var": "json text", ...} as [AssignedVariable]
};

template <class R>
struct KindOf;  // no definition: a field of a new type must get a Kind first
template <>
struct KindOf<const fb::String*> : std::integral_constant<Kind, Kind::kString> {};
template <>
struct KindOf<fb::Optional<std::int64_t>> : std::integral_constant<Kind, Kind::kInt64> {};
template <>
struct KindOf<fb::Optional<std::int32_t>> : std::integral_constant<Kind, Kind::kInt32> {};
template <>
struct KindOf<fb::Optional<std::uint32_t>> : std::integral_constant<Kind, Kind::kUInt32> {};
template <>
struct KindOf<fb::Optional<bool>> : std::integral_constant<Kind, Kind::kTruncated> {};
template <>
struct KindOf<const fs::TaskCredentials*> : std::integral_constant<Kind, Kind::kCredentials> {};
template <>
struct KindOf<const fb::Vector<fb::Offset<fs::AssignedVariable>>*>
    : std::integral_constant<Kind, Kind::kAssigned> {};

// One API member of a details shape and the table field that holds it.
struct Member {
  std::string_view key;  // camelCase, as the API shows it
  fb::voffset_t field;
  Kind kind;
};

#define STEPD_MEMBER(T, accessor, VT, key) \
  Member { key, T::VT_##VT, KindOf<decltype(std::declval<const T&>().accessor())>::value }

// Members are listed in the order the engine emits them (decide.cpp), which is
// the order decode() rebuilds them in, so a stored history serialises byte for
// byte like the live one. Where the engine emits nothing, the model's order.
template <class T>
constexpr std::array<Member, 2> kErrorCause = {
    STEPD_MEMBER(T, error, ERROR, "error"),
    STEPD_MEMBER(T, cause, CAUSE, "cause"),
};
template <class T>
constexpr std::array<Member, 4> kTaskFailure = {
    STEPD_MEMBER(T, error, ERROR, "error"),
    STEPD_MEMBER(T, cause, CAUSE, "cause"),
    STEPD_MEMBER(T, resource_type, RESOURCE_TYPE, "resourceType"),
    STEPD_MEMBER(T, resource, RESOURCE, "resource"),
};
template <class T>
constexpr std::array<Member, 2> kOutput = {
    STEPD_MEMBER(T, output, OUTPUT, "output"),
    STEPD_MEMBER(T, output_details_truncated, OUTPUT_DETAILS_TRUNCATED, "outputDetails"),
};
template <class T>
constexpr std::array<Member, 4> kTaskOutput = {
    STEPD_MEMBER(T, resource_type, RESOURCE_TYPE, "resourceType"),
    STEPD_MEMBER(T, resource, RESOURCE, "resource"),
    STEPD_MEMBER(T, output, OUTPUT, "output"),
    STEPD_MEMBER(T, output_details_truncated, OUTPUT_DETAILS_TRUNCATED, "outputDetails"),
};

using ActivityScheduled = fs::ActivityScheduledEventDetails;
constexpr std::array<Member, 5> kActivityScheduled = {
    STEPD_MEMBER(ActivityScheduled, resource, RESOURCE, "resource"),
    STEPD_MEMBER(ActivityScheduled, input, INPUT, "input"),
    STEPD_MEMBER(ActivityScheduled, input_details_truncated, INPUT_DETAILS_TRUNCATED, "inputDetails"),
    STEPD_MEMBER(ActivityScheduled, timeout_in_seconds, TIMEOUT_IN_SECONDS, "timeoutInSeconds"),
    STEPD_MEMBER(ActivityScheduled, heartbeat_in_seconds, HEARTBEAT_IN_SECONDS, "heartbeatInSeconds"),
};
using ActivityStarted = fs::ActivityStartedEventDetails;
constexpr std::array<Member, 1> kActivityStarted = {
    STEPD_MEMBER(ActivityStarted, worker_name, WORKER_NAME, "workerName"),
};
using TaskScheduled = fs::TaskScheduledEventDetails;
constexpr std::array<Member, 7> kTaskScheduled = {
    STEPD_MEMBER(TaskScheduled, resource_type, RESOURCE_TYPE, "resourceType"),
    STEPD_MEMBER(TaskScheduled, resource, RESOURCE, "resource"),
    STEPD_MEMBER(TaskScheduled, region, REGION, "region"),
    STEPD_MEMBER(TaskScheduled, parameters, PARAMETERS, "parameters"),
    STEPD_MEMBER(TaskScheduled, timeout_in_seconds, TIMEOUT_IN_SECONDS, "timeoutInSeconds"),
    STEPD_MEMBER(TaskScheduled, heartbeat_in_seconds, HEARTBEAT_IN_SECONDS, "heartbeatInSeconds"),
    STEPD_MEMBER(TaskScheduled, task_credentials, TASK_CREDENTIALS, "taskCredentials"),
};
using TaskStarted = fs::TaskStartedEventDetails;
constexpr std::array<Member, 2> kTaskStarted = {
    STEPD_MEMBER(TaskStarted, resource_type, RESOURCE_TYPE, "resourceType"),
    STEPD_MEMBER(TaskStarted, resource, RESOURCE, "resource"),
};
using ExecutionStarted = fs::ExecutionStartedEventDetails;
constexpr std::array<Member, 5> kExecutionStarted = {
    STEPD_MEMBER(ExecutionStarted, input, INPUT, "input"),
    STEPD_MEMBER(ExecutionStarted, input_details_truncated, INPUT_DETAILS_TRUNCATED, "inputDetails"),
    STEPD_MEMBER(ExecutionStarted, role_arn, ROLE_ARN, "roleArn"),
    STEPD_MEMBER(ExecutionStarted, state_machine_alias_arn, STATE_MACHINE_ALIAS_ARN, "stateMachineAliasArn"),
    STEPD_MEMBER(ExecutionStarted, state_machine_version_arn, STATE_MACHINE_VERSION_ARN, "stateMachineVersionArn"),
};
using ExecutionRedriven = fs::ExecutionRedrivenEventDetails;
constexpr std::array<Member, 1> kExecutionRedriven = {
    STEPD_MEMBER(ExecutionRedriven, redrive_count, REDRIVE_COUNT, "redriveCount"),
};
using MapStateStarted = fs::MapStateStartedEventDetails;
constexpr std::array<Member, 1> kMapStateStarted = {
    STEPD_MEMBER(MapStateStarted, length, LENGTH, "length"),
};
using MapIteration = fs::MapIterationEventDetails;
constexpr std::array<Member, 2> kMapIteration = {
    STEPD_MEMBER(MapIteration, index, INDEX, "index"),
    STEPD_MEMBER(MapIteration, name, NAME, "name"),
};
using LambdaScheduled = fs::LambdaFunctionScheduledEventDetails;
constexpr std::array<Member, 5> kLambdaScheduled = {
    STEPD_MEMBER(LambdaScheduled, resource, RESOURCE, "resource"),
    STEPD_MEMBER(LambdaScheduled, input, INPUT, "input"),
    STEPD_MEMBER(LambdaScheduled, input_details_truncated, INPUT_DETAILS_TRUNCATED, "inputDetails"),
    STEPD_MEMBER(LambdaScheduled, timeout_in_seconds, TIMEOUT_IN_SECONDS, "timeoutInSeconds"),
    STEPD_MEMBER(LambdaScheduled, task_credentials, TASK_CREDENTIALS, "taskCredentials"),
};
using StateEntered = fs::StateEnteredEventDetails;
constexpr std::array<Member, 3> kStateEntered = {
    STEPD_MEMBER(StateEntered, name, NAME, "name"),
    STEPD_MEMBER(StateEntered, input, INPUT, "input"),
    STEPD_MEMBER(StateEntered, input_details_truncated, INPUT_DETAILS_TRUNCATED, "inputDetails"),
};
using StateExited = fs::StateExitedEventDetails;
constexpr std::array<Member, 5> kStateExited = {
    STEPD_MEMBER(StateExited, name, NAME, "name"),
    STEPD_MEMBER(StateExited, output, OUTPUT, "output"),
    STEPD_MEMBER(StateExited, output_details_truncated, OUTPUT_DETAILS_TRUNCATED, "outputDetails"),
    STEPD_MEMBER(StateExited, assigned_variables, ASSIGNED_VARIABLES, "assignedVariables"),
    STEPD_MEMBER(StateExited, assigned_variables_details_truncated, ASSIGNED_VARIABLES_DETAILS_TRUNCATED,
                 "assignedVariablesDetails"),
};
using MapRunStarted = fs::MapRunStartedEventDetails;
constexpr std::array<Member, 1> kMapRunStarted = {
    STEPD_MEMBER(MapRunStarted, map_run_arn, MAP_RUN_ARN, "mapRunArn"),
};
using MapRunRedriven = fs::MapRunRedrivenEventDetails;
constexpr std::array<Member, 2> kMapRunRedriven = {
    STEPD_MEMBER(MapRunRedriven, map_run_arn, MAP_RUN_ARN, "mapRunArn"),
    STEPD_MEMBER(MapRunRedriven, redrive_count, REDRIVE_COUNT, "redriveCount"),
};
using EvaluationFailed = fs::EvaluationFailedEventDetails;
constexpr std::array<Member, 4> kEvaluationFailed = {
    STEPD_MEMBER(EvaluationFailed, error, ERROR, "error"),
    STEPD_MEMBER(EvaluationFailed, cause, CAUSE, "cause"),
    STEPD_MEMBER(EvaluationFailed, location, LOCATION, "location"),
    STEPD_MEMBER(EvaluationFailed, state, STATE, "state"),
};

#undef STEPD_MEMBER

constexpr std::size_t kMaxMembers = 7;

struct Shape {
  const Member* members = nullptr;
  std::size_t count = 0;
};

template <std::size_t N>
constexpr Shape shape(const std::array<Member, N>& a) {
  static_assert(N <= kMaxMembers);
  return Shape{a.data(), N};
}

// No default: -Wswitch (in -Wall -Werror) makes a new union member a compile
// error until it has its members here.
Shape shape_of(fs::EventDetails tag) {
  using D = fs::EventDetails;
  switch (tag) {
    case D::NONE: return {};
    case D::ActivityFailedEventDetails: return shape(kErrorCause<fs::ActivityFailedEventDetails>);
    case D::ActivityScheduleFailedEventDetails: return shape(kErrorCause<fs::ActivityScheduleFailedEventDetails>);
    case D::ActivityScheduledEventDetails: return shape(kActivityScheduled);
    case D::ActivityStartedEventDetails: return shape(kActivityStarted);
    case D::ActivitySucceededEventDetails: return shape(kOutput<fs::ActivitySucceededEventDetails>);
    case D::ActivityTimedOutEventDetails: return shape(kErrorCause<fs::ActivityTimedOutEventDetails>);
    case D::TaskFailedEventDetails: return shape(kTaskFailure<fs::TaskFailedEventDetails>);
    case D::TaskScheduledEventDetails: return shape(kTaskScheduled);
    case D::TaskStartFailedEventDetails: return shape(kTaskFailure<fs::TaskStartFailedEventDetails>);
    case D::TaskStartedEventDetails: return shape(kTaskStarted);
    case D::TaskSubmitFailedEventDetails: return shape(kTaskFailure<fs::TaskSubmitFailedEventDetails>);
    case D::TaskSubmittedEventDetails: return shape(kTaskOutput<fs::TaskSubmittedEventDetails>);
    case D::TaskSucceededEventDetails: return shape(kTaskOutput<fs::TaskSucceededEventDetails>);
    case D::TaskTimedOutEventDetails: return shape(kTaskFailure<fs::TaskTimedOutEventDetails>);
    case D::ExecutionFailedEventDetails: return shape(kErrorCause<fs::ExecutionFailedEventDetails>);
    case D::ExecutionStartedEventDetails: return shape(kExecutionStarted);
    case D::ExecutionSucceededEventDetails: return shape(kOutput<fs::ExecutionSucceededEventDetails>);
    case D::ExecutionAbortedEventDetails: return shape(kErrorCause<fs::ExecutionAbortedEventDetails>);
    case D::ExecutionTimedOutEventDetails: return shape(kErrorCause<fs::ExecutionTimedOutEventDetails>);
    case D::ExecutionRedrivenEventDetails: return shape(kExecutionRedriven);
    case D::MapStateStartedEventDetails: return shape(kMapStateStarted);
    case D::MapIterationEventDetails: return shape(kMapIteration);
    case D::LambdaFunctionFailedEventDetails: return shape(kErrorCause<fs::LambdaFunctionFailedEventDetails>);
    case D::LambdaFunctionScheduleFailedEventDetails:
      return shape(kErrorCause<fs::LambdaFunctionScheduleFailedEventDetails>);
    case D::LambdaFunctionScheduledEventDetails: return shape(kLambdaScheduled);
    case D::LambdaFunctionStartFailedEventDetails:
      return shape(kErrorCause<fs::LambdaFunctionStartFailedEventDetails>);
    case D::LambdaFunctionSucceededEventDetails: return shape(kOutput<fs::LambdaFunctionSucceededEventDetails>);
    case D::LambdaFunctionTimedOutEventDetails: return shape(kErrorCause<fs::LambdaFunctionTimedOutEventDetails>);
    case D::StateEnteredEventDetails: return shape(kStateEntered);
    case D::StateExitedEventDetails: return shape(kStateExited);
    case D::MapRunStartedEventDetails: return shape(kMapRunStarted);
    case D::MapRunFailedEventDetails: return shape(kErrorCause<fs::MapRunFailedEventDetails>);
    case D::MapRunRedrivenEventDetails: return shape(kMapRunRedriven);
    case D::EvaluationFailedEventDetails: return shape(kEvaluationFailed);
  }
  return {};  // a tag newer than this stepd: decode() rejects it before asking
}

// The details shape of each event type, as the API's HistoryEvent members
// assign them. NONE: the API shows no details (MapRunAborted too: the model
// has no member for it; anything the engine attaches goes to extra_details).
fs::EventDetails tag_of(EventType t) {
  using D = fs::EventDetails;
  using T = EventType;
  switch (t) {
    case T::ActivityFailed: return D::ActivityFailedEventDetails;
    case T::ActivityScheduled: return D::ActivityScheduledEventDetails;
    case T::ActivityScheduleFailed: return D::ActivityScheduleFailedEventDetails;
    case T::ActivityStarted: return D::ActivityStartedEventDetails;
    case T::ActivitySucceeded: return D::ActivitySucceededEventDetails;
    case T::ActivityTimedOut: return D::ActivityTimedOutEventDetails;
    case T::ExecutionAborted: return D::ExecutionAbortedEventDetails;
    case T::ExecutionFailed: return D::ExecutionFailedEventDetails;
    case T::ExecutionStarted: return D::ExecutionStartedEventDetails;
    case T::ExecutionSucceeded: return D::ExecutionSucceededEventDetails;
    case T::ExecutionTimedOut: return D::ExecutionTimedOutEventDetails;
    case T::ExecutionRedriven: return D::ExecutionRedrivenEventDetails;
    case T::LambdaFunctionFailed: return D::LambdaFunctionFailedEventDetails;
    case T::LambdaFunctionScheduled: return D::LambdaFunctionScheduledEventDetails;
    case T::LambdaFunctionScheduleFailed: return D::LambdaFunctionScheduleFailedEventDetails;
    case T::LambdaFunctionStartFailed: return D::LambdaFunctionStartFailedEventDetails;
    case T::LambdaFunctionSucceeded: return D::LambdaFunctionSucceededEventDetails;
    case T::LambdaFunctionTimedOut: return D::LambdaFunctionTimedOutEventDetails;
    case T::MapIterationAborted:
    case T::MapIterationFailed:
    case T::MapIterationStarted:
    case T::MapIterationSucceeded: return D::MapIterationEventDetails;
    case T::MapStateStarted: return D::MapStateStartedEventDetails;
    case T::ChoiceStateEntered:
    case T::FailStateEntered:
    case T::MapStateEntered:
    case T::ParallelStateEntered:
    case T::PassStateEntered:
    case T::SucceedStateEntered:
    case T::TaskStateEntered:
    case T::WaitStateEntered: return D::StateEnteredEventDetails;
    case T::ChoiceStateExited:
    case T::MapStateExited:
    case T::ParallelStateExited:
    case T::PassStateExited:
    case T::SucceedStateExited:
    case T::TaskStateExited:
    case T::WaitStateExited: return D::StateExitedEventDetails;
    case T::TaskFailed: return D::TaskFailedEventDetails;
    case T::TaskScheduled: return D::TaskScheduledEventDetails;
    case T::TaskStarted: return D::TaskStartedEventDetails;
    case T::TaskStartFailed: return D::TaskStartFailedEventDetails;
    case T::TaskSubmitFailed: return D::TaskSubmitFailedEventDetails;
    case T::TaskSubmitted: return D::TaskSubmittedEventDetails;
    case T::TaskSucceeded: return D::TaskSucceededEventDetails;
    case T::TaskTimedOut: return D::TaskTimedOutEventDetails;
    case T::MapRunFailed: return D::MapRunFailedEventDetails;
    case T::MapRunStarted: return D::MapRunStartedEventDetails;
    case T::MapRunRedriven: return D::MapRunRedrivenEventDetails;
    case T::EvaluationFailed: return D::EvaluationFailedEventDetails;
    case T::LambdaFunctionStarted:
    case T::MapStateAborted:
    case T::MapStateFailed:
    case T::MapStateSucceeded:
    case T::ParallelStateAborted:
    case T::ParallelStateFailed:
    case T::ParallelStateStarted:
    case T::ParallelStateSucceeded:
    case T::TaskStateAborted:
    case T::WaitStateAborted:
    case T::MapRunAborted:
    case T::MapRunSucceeded: return D::NONE;
  }
  return D::NONE;
}

// Per event type: its shape and which members stand for Event::name and
// Event::payload rather than a details member. Computed once.
struct TypeCodec {
  fs::EventDetails tag = fs::EventDetails::NONE;
  Shape shape;
  int name_slot = -1;     // state events: the member holding Event::name
  int payload_slot = -1;  // the member payload_key() names
};

const std::array<TypeCodec, engine::kEventTypeCount>& codecs() {
  static const auto table = [] {
    std::array<TypeCodec, engine::kEventTypeCount> out{};
    for (int i = 0; i < engine::kEventTypeCount; ++i) {
      auto t = static_cast<EventType>(i);
      TypeCodec& c = out[static_cast<std::size_t>(i)];
      c.tag = tag_of(t);
      c.shape = shape_of(c.tag);
      bool state_event =
          c.tag == fs::EventDetails::StateEnteredEventDetails || c.tag == fs::EventDetails::StateExitedEventDetails;
      for (std::size_t m = 0; m < c.shape.count; ++m) {
        std::string_view key = c.shape.members[m].key;
        if (state_event && key == "name") c.name_slot = static_cast<int>(m);
        if (key == engine::payload_key(t)) c.payload_slot = static_cast<int>(m);
      }
    }
    return out;
  }();
  return table;
}

const TypeCodec& codec_for(EventType t) { return codecs()[static_cast<std::size_t>(t)]; }

// ---- encode -----------------------------------------------------------------

bool is_truncated_details(const bj::value& v) {
  const bj::object* o = v.if_object();
  if (!o || o->size() != 1) return false;
  const bj::value* t = o->if_contains("truncated");
  return t && t->is_bool();
}

// Whether `v` can be stored in a field of kind k without changing its JSON
// type; anything else goes to extra_details.
bool fits(Kind k, const bj::value& v) {
  switch (k) {
    case Kind::kString: return v.is_string();
    case Kind::kInt64: return v.is_int64();
    case Kind::kInt32:
      return v.is_int64() && v.get_int64() >= std::numeric_limits<std::int32_t>::min() &&
             v.get_int64() <= std::numeric_limits<std::int32_t>::max();
    case Kind::kUInt32:
      return v.is_int64() && v.get_int64() >= 0 && v.get_int64() <= std::numeric_limits<std::uint32_t>::max();
    case Kind::kTruncated: return is_truncated_details(v);
    case Kind::kCredentials: {
      const bj::object* o = v.if_object();
      if (!o || o->size() != 1) return false;
      const bj::value* r = o->if_contains("roleArn");
      return r && r->is_string();
    }
    case Kind::kAssigned: {
      const bj::object* o = v.if_object();
      if (!o) return false;
      for (const auto& kv : *o) {
        if (!kv.value().is_string()) return false;
      }
      return true;
    }
  }
  return false;
}

fb::Offset<fb::String> make_string(fb::FlatBufferBuilder& fbb, std::string_view s) {
  return fbb.CreateString(s.data(), s.size());
}

std::string_view view(const bj::string& s) { return std::string_view(s.data(), s.size()); }

// Where each member's value comes from, before anything is written.
struct Source {
  const bj::value* json = nullptr;  // a details member
  const std::string* text = nullptr;  // Event::name or Event::payload
};

}  // namespace

void encode(const Event& e, fb::FlatBufferBuilder& fbb) {
  fbb.Clear();
  const TypeCodec& c = codec_for(e.type);
  const Shape& shape = c.shape;

  std::array<Source, kMaxMembers> src{};
  std::size_t consumed = 0;  // details members taken by a typed field
  bool name_to_extra = false;
  const bool state_event = c.name_slot >= 0;
  for (std::size_t i = 0; i < shape.count; ++i) {
    const Member& m = shape.members[i];
    if (static_cast<int>(i) == c.name_slot) {
      if (!e.name.empty()) src[i].text = &e.name;
      continue;  // a details "name" of a state event is overridden: extra_details
    }
    if (static_cast<int>(i) == c.payload_slot) {
      if (!e.payload.empty()) src[i].text = &e.payload;
      continue;  // likewise a details member under the payload's key
    }
    const bj::value* v = e.details.empty() ? nullptr : e.details.if_contains(m.key);
    if (!state_event && m.key == "name" && !e.name.empty()) {
      // to_history_json shows Event::name over details "name".
      src[i].text = &e.name;
      if (v) ++consumed;
      continue;
    }
    if (v && fits(m.kind, *v)) {
      src[i].json = v;
      ++consumed;
    }
  }
  if (!state_event && !e.name.empty()) {
    name_to_extra = true;
    for (std::size_t i = 0; i < shape.count; ++i) {
      if (src[i].text == &e.name) name_to_extra = false;
    }
  }

  // Strings and sub-tables first: FlatBuffers cannot nest them in an open table.
  std::array<fb::uoffset_t, kMaxMembers> off{};
  bool any = false;
  for (std::size_t i = 0; i < shape.count; ++i) {
    const Source& s = src[i];
    if (!s.json && !s.text) continue;
    any = true;
    switch (shape.members[i].kind) {
      case Kind::kString:
        off[i] = (s.text ? make_string(fbb, *s.text) : make_string(fbb, view(s.json->get_string()))).o;
        break;
      case Kind::kCredentials: {
        // fits() checked the shape: {"roleArn": string}.
        auto role = make_string(fbb, view(s.json->get_object().if_contains("roleArn")->get_string()));
        off[i] = fs::CreateTaskCredentials(fbb, role).o;
        break;
      }
      case Kind::kAssigned: {
        const bj::object& vars = s.json->get_object();
        std::vector<fb::Offset<fs::AssignedVariable>> items;
        items.reserve(vars.size());
        for (const auto& kv : vars) {
          auto k = make_string(fbb, kv.key());
          auto v = make_string(fbb, view(kv.value().get_string()));
          items.push_back(fs::CreateAssignedVariable(fbb, k, v));
        }
        off[i] = fbb.CreateVector(items).o;
        break;
      }
      default:
        break;
    }
  }

  fb::Offset<fb::String> extra;
  if (consumed < e.details.size() || name_to_extra) {
    bj::object rest;
    for (const auto& kv : e.details) {
      bool taken = false;
      for (std::size_t i = 0; i < shape.count; ++i) {
        if (shape.members[i].key != std::string_view(kv.key())) continue;
        // Consumed by its typed field, or (non-state events) hidden by
        // Event::name in the history, as to_history_json does.
        taken = src[i].json == &kv.value() || (!state_event && src[i].text == &e.name);
      }
      if (!taken) rest.emplace(kv.key(), kv.value());
    }
    if (name_to_extra) rest["name"] = e.name;
    std::string text = bj::serialize(rest);
    extra = make_string(fbb, text);
  }

  fb::Offset<void> details;
  if (any) {
    auto start = fbb.StartTable();
    // Widest first, as flatc's own Create* functions do: least padding.
    for (int pass = 0; pass < 3; ++pass) {
      for (std::size_t i = 0; i < shape.count; ++i) {
        const Source& s = src[i];
        if (!s.json && !s.text) continue;
        const Member& m = shape.members[i];
        switch (m.kind) {
          case Kind::kInt64:
            if (pass == 0) fbb.AddElement<std::int64_t>(m.field, s.json->get_int64());
            break;
          case Kind::kInt32:
            if (pass == 1) fbb.AddElement<std::int32_t>(m.field, static_cast<std::int32_t>(s.json->get_int64()));
            break;
          case Kind::kUInt32:
            if (pass == 1) fbb.AddElement<std::uint32_t>(m.field, static_cast<std::uint32_t>(s.json->get_int64()));
            break;
          case Kind::kString:
          case Kind::kCredentials:
          case Kind::kAssigned:
            if (pass == 1) fbb.AddOffset(m.field, fb::Offset<void>(off[i]));
            break;
          case Kind::kTruncated:
            if (pass == 2) {
              bool t = s.json->get_object().if_contains("truncated")->get_bool();
              fbb.AddElement<std::uint8_t>(m.field, t ? 1 : 0);
            }
            break;
        }
      }
    }
    details = fb::Offset<void>(fbb.EndTable(start));
  }

  auto root = fs::CreateHistoryEvent(fbb, e.timestamp_ms, e.id, e.previous_event_id,
                                     static_cast<fs::HistoryEventType>(e.type),
                                     any ? c.tag : fs::EventDetails::NONE, details, e.frame, extra);
  fbb.Finish(root);
}

std::string encode(const Event& e) {
  // Room for the payload, the name and the fixed part, so one allocation does.
  fb::FlatBufferBuilder fbb(std::max<std::size_t>(256, e.payload.size() + e.name.size() + 192));
  encode(e, fbb);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

// ---- decode -----------------------------------------------------------------

namespace {

Status corrupt(std::string why) { return Status::io("corrupt history event: " + why); }

bj::value truncated_details(bool t) {
  bj::object o;
  o.emplace("truncated", t);
  return o;
}

std::string_view view(const fb::String* s) { return std::string_view(s->c_str(), s->size()); }

// Appends the members of one details table to e, in the shape's order.
Status read_details(const fb::Table& t, const TypeCodec& c, Event& e) {
  const Shape& shape = c.shape;
  // Reserve only what goes to details: a state event's name and payload do
  // not, and an empty object then costs no allocation.
  std::size_t n = 0;
  for (std::size_t i = 0; i < shape.count; ++i) {
    int slot = static_cast<int>(i);
    if (slot != c.name_slot && slot != c.payload_slot && t.GetOptionalFieldOffset(shape.members[i].field)) ++n;
  }
  if (n) e.details.reserve(n);
  for (std::size_t i = 0; i < shape.count; ++i) {
    const Member& m = shape.members[i];
    switch (m.kind) {
      case Kind::kString: {
        const auto* s = t.GetPointer<const fb::String*>(m.field);
        if (!s) break;
        if (static_cast<int>(i) == c.name_slot) {
          e.name.assign(s->c_str(), s->size());
        } else if (static_cast<int>(i) == c.payload_slot) {
          e.payload.assign(s->c_str(), s->size());
        } else {
          e.details.emplace(m.key, view(s));
        }
        break;
      }
      case Kind::kInt64: {
        auto v = t.GetOptional<std::int64_t, std::int64_t>(m.field);
        if (v) e.details.emplace(m.key, *v);
        break;
      }
      case Kind::kInt32: {
        auto v = t.GetOptional<std::int32_t, std::int32_t>(m.field);
        if (v) e.details.emplace(m.key, static_cast<std::int64_t>(*v));
        break;
      }
      case Kind::kUInt32: {
        auto v = t.GetOptional<std::uint32_t, std::uint32_t>(m.field);
        if (v) e.details.emplace(m.key, static_cast<std::int64_t>(*v));
        break;
      }
      case Kind::kTruncated: {
        auto v = t.GetOptional<std::uint8_t, bool>(m.field);
        if (v) e.details.emplace(m.key, truncated_details(*v));
        break;
      }
      case Kind::kCredentials: {
        const auto* cred = t.GetPointer<const fs::TaskCredentials*>(m.field);
        if (!cred) break;
        bj::object o;
        if (cred->role_arn()) o.emplace("roleArn", view(cred->role_arn()));
        e.details.emplace(m.key, std::move(o));
        break;
      }
      case Kind::kAssigned: {
        const auto* vars = t.GetPointer<const fb::Vector<fb::Offset<fs::AssignedVariable>>*>(m.field);
        if (!vars) break;
        bj::object o;
        o.reserve(vars->size());
        for (const auto* var : *vars) {
          if (!var->name() || !var->value()) return corrupt("an assigned variable lacks its name or value");
          o.emplace(view(var->name()), view(var->value()));
        }
        e.details.emplace(m.key, std::move(o));
        break;
      }
    }
  }
  return Status();
}

}  // namespace

Result<Event> decode(std::string_view bytes) {
  // The smallest buffer the builder makes: root offset + vtable + table.
  if (bytes.size() < 12) return corrupt(std::to_string(bytes.size()) + " bytes is too short");
  // FlatBuffers reads scalars in place, so they must sit at their natural
  // alignment (8 for the longs): copy a misaligned value (LMDB aligns to 2).
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::unique_ptr<std::uint64_t[]> aligned;
  if (reinterpret_cast<std::uintptr_t>(data) % alignof(std::uint64_t) != 0) {
    aligned.reset(new std::uint64_t[(bytes.size() + 7) / 8]);
    std::memcpy(aligned.get(), bytes.data(), bytes.size());
    data = reinterpret_cast<const std::uint8_t*>(aligned.get());
  }
  fb::Verifier verifier(data, bytes.size());
  if (!fs::VerifyHistoryEventBuffer(verifier)) {
    return corrupt("the " + std::to_string(bytes.size()) + " bytes are not a well-formed HistoryEvent");
  }
  const fs::HistoryEvent* h = fs::GetHistoryEvent(data);
  auto raw_type = static_cast<unsigned>(h->type());
  if (raw_type >= static_cast<unsigned>(engine::kEventTypeCount)) {
    return corrupt("unknown event type " + std::to_string(raw_type));
  }
  Event e;
  e.type = static_cast<EventType>(raw_type);
  e.id = h->id();
  e.previous_event_id = h->previous_event_id();
  e.timestamp_ms = h->timestamp_ms();
  e.frame = h->frame();
  const TypeCodec& c = codec_for(e.type);
  fs::EventDetails tag = h->details_type();
  if (tag != fs::EventDetails::NONE) {
    if (tag != c.tag) {
      auto raw_tag = static_cast<unsigned>(tag);
      std::string shown = raw_tag <= static_cast<unsigned>(fs::EventDetails::MAX)
                              ? std::string(fs::EnumNameEventDetails(tag))
                              : "unknown details shape " + std::to_string(raw_tag);
      return corrupt(std::string(engine::event_type_name(e.type)) + " carries " + shown);
    }
    if (const auto* t = static_cast<const fb::Table*>(h->details())) {
      Status s = read_details(*t, c, e);
      if (!s.ok()) return s;
    }
  }
  if (const fb::String* extra = h->extra_details()) {
    boost::system::error_code ec;
    bj::value v = bj::parse(view(extra), ec);
    if (ec || !v.is_object()) return corrupt("extra details are not a JSON object");
    for (auto& kv : v.get_object()) e.details.emplace(kv.key(), std::move(kv.value()));
  }
  return e;
}

}  // namespace stepd::storage
