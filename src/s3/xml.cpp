#include "src/s3/xml.h"

#include <cstdint>

#include "src/common/utf8.h"

namespace stepd::s3::xml {

std::vector<std::string_view> elements(std::string_view doc, std::string_view tag) {
  std::vector<std::string_view> out;
  const std::string close = "</" + std::string(tag) + ">";
  std::size_t pos = 0;
  while ((pos = doc.find('<', pos)) != std::string_view::npos) {
    std::size_t name_end = pos + 1 + tag.size();
    // "<Key" must be followed by '>', '/' or a space, so that "<KeyCount>" is not a Key.
    if (doc.compare(pos + 1, tag.size(), tag) != 0 || name_end >= doc.size() ||
        (doc[name_end] != '>' && doc[name_end] != '/' && doc[name_end] != ' ')) {
      ++pos;
      continue;
    }
    std::size_t gt = doc.find('>', name_end);
    if (gt == std::string_view::npos) break;
    if (doc[gt - 1] == '/') {  // <Tag/>
      out.emplace_back();
      pos = gt + 1;
      continue;
    }
    std::size_t end = doc.find(close, gt + 1);
    if (end == std::string_view::npos) break;
    out.push_back(doc.substr(gt + 1, end - gt - 1));
    pos = end + close.size();
  }
  return out;
}

std::optional<std::string> text(std::string_view doc, std::string_view tag) {
  auto all = elements(doc, tag);
  if (all.empty()) return std::nullopt;
  return unescape(all.front());
}

namespace {

// The code point of "#65" or "#x41", or nullopt.
std::optional<char32_t> char_ref(std::string_view ref) {
  if (ref.size() < 2 || ref[0] != '#') return std::nullopt;
  bool hex = ref[1] == 'x' || ref[1] == 'X';
  std::string_view digits = ref.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return std::nullopt;
  std::uint32_t cp = 0;
  for (char c : digits) {
    int d = c >= '0' && c <= '9' ? c - '0'
            : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
            : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : -1;
    if (d < 0) return std::nullopt;
    cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
  }
  if (cp > 0x10FFFF) return std::nullopt;
  return static_cast<char32_t>(cp);
}

}  // namespace

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::size_t semi = s[i] == '&' ? s.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 12) {
      out += s[i];
      continue;
    }
    std::string_view ref = s.substr(i + 1, semi - i - 1);
    if (ref == "amp") out += '&';
    else if (ref == "lt") out += '<';
    else if (ref == "gt") out += '>';
    else if (ref == "quot") out += '"';
    else if (ref == "apos") out += '\'';
    else if (auto cp = char_ref(ref)) utf8::append(out, *cp);
    else {
      out += s[i];
      continue;
    }
    i = semi;
  }
  return out;
}

}  // namespace stepd::s3::xml
