// docs/options.md must show exactly what `swt train --dump-config` prints.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/run_command.h"

namespace swt {

TEST(OptionsDoc, MatchesDumpConfig) {
  std::ifstream in(std::string(SWT_SOURCE_DIR) + "/docs/options.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const auto begin = text.find("```yaml\n");
  const auto end = text.rfind("```");
  ASSERT_NE(begin, std::string::npos);
  const std::string documented = text.substr(begin + 8, end - begin - 8);
  auto r = testing::run_swt("train --dump-config");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(documented, r.output) << "run scripts/gen-options-doc.sh";
}

}  // namespace swt
