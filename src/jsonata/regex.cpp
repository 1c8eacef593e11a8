#define PCRE2_CODE_UNIT_WIDTH 8
#include "src/jsonata/regex.h"

#include <pcre2.h>

namespace stepd::jsonata {

std::shared_ptr<const Regex> Regex::compile(std::string_view pattern, std::string_view flags, std::string* error) {
  // JavaScript semantics where PCRE2 can give them: \uXXXX escapes, `$`
  // only at the very end, backreferences to unset groups match empty,
  // `[]`/`[^]` allowed, `.` stops at \r as well as \n.
  uint32_t options = PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_MATCH_UNSET_BACKREF | PCRE2_DOLLAR_ENDONLY |
                     PCRE2_ALLOW_EMPTY_CLASS;
  for (char f : flags) {
    if (f == 'i') options |= PCRE2_CASELESS;
    if (f == 'm') options |= PCRE2_MULTILINE;
  }
  int errcode = 0;
  PCRE2_SIZE erroff = 0;
  pcre2_compile_context* ctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(ctx, PCRE2_NEWLINE_ANYCRLF);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &errcode,
                                   &erroff, ctx);
  pcre2_compile_context_free(ctx);
  if (!code) {
    if (error) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(errcode, buf, sizeof buf);
      *error = reinterpret_cast<char*>(buf);
    }
    return nullptr;
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // best effort: the interpreter is the fallback
  std::shared_ptr<Regex> r(new Regex());
  r->code_ = code;
  r->source_ = std::string(pattern);
  return r;
}

Regex::~Regex() {
  if (code_) pcre2_code_free(static_cast<pcre2_code*>(code_));
}

bool Regex::exec(std::string_view subject, std::size_t from, Match& m) const {
  auto* code = static_cast<pcre2_code*>(code_);
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), from, PCRE2_NO_UTF_CHECK,
                       md, nullptr);
  if (rc < 0) {
    pcre2_match_data_free(md);
    return false;
  }
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  uint32_t pairs = pcre2_get_ovector_count(md);
  uint32_t capture_count = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &capture_count);
  m.start = ov[0];
  m.end = ov[1];
  m.groups.clear();
  for (uint32_t i = 1; i <= capture_count; ++i) {
    if (i < pairs && static_cast<int>(i) < rc && ov[2 * i] != PCRE2_UNSET) {
      m.groups.push_back({true, {ov[2 * i], ov[2 * i + 1]}});
    } else {
      m.groups.push_back({false, {0, 0}});
    }
  }
  pcre2_match_data_free(md);
  return true;
}

}  // namespace stepd::jsonata
