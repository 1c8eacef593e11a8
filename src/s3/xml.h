#pragma once
// Just enough XML to read S3's answers: ListBucketResult (ListObjectsV2)
// and Error bodies. S3 writes flat, namespace-default, attribute-free
// elements with entity-escaped text, so a tag scanner serves; this is not a
// general XML parser (no CDATA, no comments inside the elements read).
// Pure functions, safe from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stepd::s3::xml {

// The raw contents of every element named `tag` in `doc`, in document
// order, at any depth: "<Key>a&amp;b</Key>" gives "a&amp;b". An empty
// element ("<Tag/>") gives "". Elements named `tag` nested in one another
// are not supported (S3 never nests them). The views point into `doc`.
std::vector<std::string_view> elements(std::string_view doc, std::string_view tag);

// The decoded text of the first element named `tag` in `doc`, or nullopt
// when there is none.
std::optional<std::string> text(std::string_view doc, std::string_view tag);

// Decodes the five predefined entities and character references (&#N;,
// &#xH;); an unknown or malformed reference is kept as written.
std::string unescape(std::string_view s);

}  // namespace stepd::s3::xml
