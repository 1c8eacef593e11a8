#pragma once
// Reading the enumerated string fields of ReaderConfig and WriterConfig
// ("InputType": "CSV", "Transformation": "FLATTEN") into C++ enums. Internal
// to src/s3. Pure.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "src/common/status.h"

namespace stepd::s3 {

// One allowed text of a field and the value it stands for.
struct FieldName {
  const char* text;
  int value;
};

// The member `field` of `o`, one of `names`, into *out (cast to T); absent:
// *out untouched. Errors: InvalidArgument "<where>.<field> must be one of A, B".
template <class T, std::size_t N>
Status enum_field(const boost::json::object& o, const char* where, const char* field, const FieldName (&names)[N],
                  T* out) {
  const boost::json::value* v = o.if_contains(field);
  if (!v) return Status();
  if (const boost::json::string* s = v->if_string()) {
    for (const FieldName& n : names) {
      if (std::string_view(*s) == n.text) {
        *out = static_cast<T>(n.value);
        return Status();
      }
    }
  }
  std::string allowed;
  for (const FieldName& n : names) allowed += (allowed.empty() ? "" : ", ") + std::string(n.text);
  return Status::invalid(std::string(where) + "." + field + " must be one of " + allowed);
}

}  // namespace stepd::s3
