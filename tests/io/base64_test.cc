#include "io/base64.h"

#include <gtest/gtest.h>

namespace depict::io {
namespace {

// The test vectors of RFC 4648, section 10.
TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded).value_or("?"), plain);
  }
  // Bytes that are not text, NULs included, survive the round trip.
  const std::string bytes("\x00\xff\x10\x00", 4);
  EXPECT_EQ(Base64Decode(Base64Encode(bytes)).value_or(""), bytes);
}

TEST(Base64Test, WhatIsNotPaddedBase64IsRefused) {
  EXPECT_FALSE(Base64Decode("Zm9").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v!!==").has_value());
}

}  // namespace
}  // namespace depict::io
