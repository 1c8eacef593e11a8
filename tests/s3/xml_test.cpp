// Tests for src/s3/xml.h: reading S3's ListBucketResult and Error bodies.

#include "src/s3/xml.h"

#include <catch2/catch.hpp>

using namespace stepd::s3;

TEST_CASE("xml elements are found by exact name, at any depth, empty ones too", "[s3]") {
  const char doc[] =
      "<?xml version=\"1.0\"?><R xmlns=\"x\"><KeyCount>2</KeyCount><Contents><Key>a</Key></Contents>"
      "<Contents><Key>b&amp;c</Key><Empty/></Contents><Prefix></Prefix></R>";
  auto keys = xml::elements(doc, "Key");
  REQUIRE(keys.size() == 2);
  CHECK(keys[0] == "a");
  CHECK(keys[1] == "b&amp;c");
  CHECK(xml::elements(doc, "Contents").size() == 2);
  CHECK(xml::text(doc, "KeyCount") == "2");
  CHECK(xml::text(doc, "Empty") == "");
  CHECK(xml::text(doc, "Prefix") == "");
  CHECK(xml::text(doc, "R").has_value());
  CHECK_FALSE(xml::text(doc, "Missing").has_value());
  CHECK_FALSE(xml::text("<Key>unclosed", "Key").has_value());
}

TEST_CASE("xml text decodes entities and character references", "[s3]") {
  CHECK(xml::unescape("&quot;e&quot; &lt;&gt; &amp;amp; &apos;") == "\"e\" <> &amp; '");
  CHECK(xml::unescape("&#65;&#x42;&#xe9;&#x1F600;") == "AB\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(xml::unescape("a & b &unknown; &#xZZ; &") == "a & b &unknown; &#xZZ; &");
}
