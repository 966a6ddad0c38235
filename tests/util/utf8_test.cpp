#include "util/utf8.h"

#include <gtest/gtest.h>

namespace swt {

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("¿Qué tal? «ça» 北京 😀"));
}

TEST(Utf8, PointsAtFirstBadByte) {
  EXPECT_EQ(find_invalid_utf8("ab\xff"
                              "cd"),
            2u);
  EXPECT_EQ(find_invalid_utf8("\xc3"), 0u);                // truncated sequence
  EXPECT_EQ(find_invalid_utf8("x\xc0\xaf"), 1u);           // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xed\xa0\x80"), 0u);        // UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("ok\xf4\x90\x80\x80"), 2u);  // past U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xe2\x82"), 0u);
}

}  // namespace swt
