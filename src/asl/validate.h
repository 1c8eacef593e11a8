#pragma once
// Static validation of a state machine definition, with diagnostics shaped
// like ValidateStateMachineDefinition's (and CreateStateMachine's
// InvalidDefinition message). Pure; safe from any thread.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace stepd::asl {

namespace bj = boost::json;

// One problem found in a definition.
struct Diagnostic {
  std::string severity;  // "ERROR" or "WARNING"
  std::string code;      // e.g. "SCHEMA_VALIDATION_FAILED", "INVALID_JSON_DESCRIPTION",
                         // "MISSING_TRANSITION_TARGET", "NO_SUCH_STATE", "UNREACHABLE_STATE"...
  std::string message;   // AWS's wording where known
  std::string location;  // JSON pointer-like, e.g. "/States/Check/Next"; empty when none
};

// Everything AWS rejects in `definition` (already parsed JSON), in document
// order. An empty result (or only WARNINGs) means the definition is valid.
std::vector<Diagnostic> validate(const bj::value& definition);

// Parses `text` first: bad JSON gives one INVALID_JSON_DESCRIPTION
// diagnostic; an empty text or a non-object gives SCHEMA_VALIDATION_FAILED
// "Definition must be a valid JSON object".
std::vector<Diagnostic> validate_text(std::string_view text);

// "SCHEMA_VALIDATION_FAILED: <message> at <location>" lines joined with "; "
// — the text AWS puts in InvalidDefinition ("Invalid State Machine
// Definition: '...'").
std::string summarize(const std::vector<Diagnostic>& diagnostics);

// {"result": "OK"|"FAIL", "diagnostics": [...]}, as
// ValidateStateMachineDefinition answers (FAIL when any ERROR).
bj::object validation_result(const std::vector<Diagnostic>& diagnostics);

}  // namespace stepd::asl
