// The documented quick start, through the real CLI: make the toy reverse data,
// train configs/tiny.yaml, translate the test split, require >= 95% exact match.
#include <gtest/gtest.h>

#include <fstream>

#include "support/run_command.h"
#include "util/text_file.h"

namespace swt {

TEST(ToyReverse, TrainsThroughTheCliToNinetyFivePercentExactMatch) {
  const auto dir = testing::temp_dir("toy_reverse_cli");
  const std::string cd = "cd " + dir + " && ";
  auto r = testing::run_shell(cd + SWT_BINARY + " data toy --task reverse --out data/toy-reverse");
  ASSERT_EQ(r.status, 0) << r.output;
  r = testing::run_shell(cd + SWT_BINARY + " train --config " + SWT_SOURCE_DIR +
                         "/configs/tiny.yaml --model-dir model");
  ASSERT_EQ(r.status, 0) << r.output;
  r = testing::run_shell(cd + SWT_BINARY +
                         " translate --model model --input data/toy-reverse/test.src"
                         " --output test.hyp --beam 4 --batch-size 64");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto hyp = read_lines(dir + "/test.hyp");
  const auto ref = read_lines(dir + "/data/toy-reverse/test.tgt");
  ASSERT_EQ(hyp.size(), ref.size());
  size_t exact = 0;
  for (size_t i = 0; i < hyp.size(); ++i) exact += hyp[i] == ref[i];
  const double rate = static_cast<double>(exact) / hyp.size();
  std::cout << "exact match " << exact << "/" << hyp.size() << "\n";
  EXPECT_GE(rate, 0.95);
  r = testing::run_shell(cd + SWT_BINARY +
                         " eval --hyp test.hyp --ref data/toy-reverse/test.tgt --json");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind("{\"bleu\": ", 0), 0u) << r.output;
}

}  // namespace swt
