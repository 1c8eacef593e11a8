#pragma once
// A JSONata error while compiling or evaluating: its code (S0201, T2001,
// D3030, ...), the position in the expression text, and the inserts its
// message template names. Thrown inside src/jsonata only; jsonata.cpp turns
// it into a Status before anything leaves the public API.

#include <optional>
#include <string>

namespace stepd::jsonata {

struct Error {
  std::string code;
  int position = -1;
  std::optional<std::string> token;
  std::optional<std::string> value;   // JSON text of the offending value
  std::optional<std::string> value2;
  int index = 0;
  std::string type;
  std::string function_name;
  std::string message;  // for D3137/D3141 (the user's text) and U1001
  std::string exp;
};

[[noreturn]] inline void fail(const char* code, int position = -1) {
  Error e;
  e.code = code;
  e.position = position;
  throw e;
}

// JSONata's message for an error, from its template.
std::string error_message(const Error& e);

}  // namespace stepd::jsonata
