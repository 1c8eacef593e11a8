#include "src/jsonpath/jsonpath.h"

namespace stepd::jsonpath {

const bj::value& InputOnly::context() const {
  static const bj::value kEmpty = bj::object();
  return kEmpty;
}

}  // namespace stepd::jsonpath
