// Number formatting and signature fields as sacreBLEU prints them.
#include <gtest/gtest.h>

#include "eval/signature.h"

namespace swt::eval {
namespace {

TEST(Signature, FormatFixedRoundsLikePython) {
  EXPECT_EQ(format_fixed(48.530827, 2), "48.53");
  EXPECT_EQ(format_fixed(0.9428731438548749, 3), "0.943");
  EXPECT_EQ(format_fixed(0.125, 2), "0.12");  // exact tie: to even, as Python's f"{0.125:.2f}"
  EXPECT_EQ(format_fixed(100.0, 1), "100.0");
  EXPECT_EQ(round2(27.8149), 27.81);
}

TEST(Signature, NrefsField) {
  EXPECT_EQ(nrefs_field({1, 1, 1}), "1");
  EXPECT_EQ(nrefs_field({2, 2}), "2");
  EXPECT_EQ(nrefs_field({1, 2}), "var");
  EXPECT_EQ(nrefs_field({}), "1");
}

TEST(Signature, FieldsInSacrebleuOrder) {
  EXPECT_EQ(bleu_signature("1", false, "13a"),
            "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.3.1");
  EXPECT_EQ(chrf_signature("1", 2, 6, false, false),
            "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.3.1");
}

}  // namespace
}  // namespace swt::eval
