// `swt eval` end to end. test_eval does not link the CLI, so these run the
// built `swt` binary when it exists and are skipped otherwise (they belong to
// test_cli once that target is the place for command tests).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr together
};

class CmdEval : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(SWT_BINARY)) GTEST_SKIP() << "swt not built: " << SWT_BINARY;
    dir_ = fs::temp_directory_path() / ("swt_eval_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  static Outcome swt_eval(const std::string& args) {
    Outcome run;
    const std::string command = std::string(SWT_BINARY) + " eval " + args + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
      run.output.append(buffer, n);
    const int status = ::pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }

  fs::path dir_;
};

const char* kHyp = "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n";
const char* kRef = "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n";

TEST_F(CmdEval, PlainOutputHasScoreLinesAndSignatures) {
  const Outcome run = swt_eval("--hyp " + write("h", kHyp) + " --ref " + write("r", kRef));
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(
      run.output,
      "BLEU = 45.07 70.6/42.9/36.4/37.5 (BP = 1.000 ratio = 1.000 hyp_len = 17 ref_len = 17)\n"
      "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.3.1\n"
      "chrF2 = 50.04\n"
      "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.3.1\n");
}

TEST_F(CmdEval, JsonHasOnlyRequestedMetrics) {
  const std::string files = "--hyp " + write("h", kHyp) + " --ref " + write("r", kRef);
  EXPECT_EQ(swt_eval(files + " --json").output, "{\"bleu\": 45.07, \"chrf\": 50.04}\n");
  EXPECT_EQ(swt_eval(files + " --json --metrics bleu --tokenize none").output,
            "{\"bleu\": 44.43}\n");
  EXPECT_EQ(swt_eval("--hyp " + write("same", kHyp) + " --ref " + write("same2", kHyp) +
                     " --json --metrics chrf")
                .output,
            "{\"chrf\": 100.0}\n");
}

TEST_F(CmdEval, Rouge) {
  // Line 1 (the punctuation case of tests/eval/test_rouge.cpp): F1 10/13, 6/11, 10/13;
  // line 2 (empty prediction): 0. Means x100: 38.46, 27.27, 38.46.
  const std::string files = "--hyp " + write("h", "the cat sat on the mat.\n\n") + " --ref " +
                            write("r", "The cat's hat, on the mat!\nIn the beginning\n");
  Outcome run = swt_eval(files + " --metrics rouge");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output,
            "ROUGE-1 = 38.46\nROUGE-2 = 27.27\nROUGE-L = 38.46\n"
            "ROUGE|f1:mean|tok:rouge-score|stem:no\n");
  EXPECT_EQ(swt_eval(files + " --metrics rouge,chrf --json").output.substr(0, 52),
            "{\"rouge1\": 38.46, \"rouge2\": 27.27, \"rougeL\": 38.46, ");
  // Stemming: "dogs"/"dog" and "running"/"run" match only with --rouge-stem
  // (test_rouge.cpp, Stemming: 2/9, 0, 2/9 without; 4/9, 2/7, 4/9 with).
  const std::string stem_files = "--hyp " + write("hs", "the dog ran quick\n") + " --ref " +
                                 write("rs", "The dogs are running quickly\n");
  EXPECT_EQ(swt_eval(stem_files + " --metrics rouge --json").output,
            "{\"rouge1\": 22.22, \"rouge2\": 0.0, \"rougeL\": 22.22}\n");
  run = swt_eval(stem_files + " --metrics rouge --rouge-stem");
  EXPECT_EQ(run.output,
            "ROUGE-1 = 44.44\nROUGE-2 = 28.57\nROUGE-L = 44.44\n"
            "ROUGE|f1:mean|tok:rouge-score|stem:porter\n");
}

TEST_F(CmdEval, BadInputIsOneLineErrorAndExit1) {
  const std::string hyp = write("h", kHyp), ref = write("r", kRef);
  const struct {
    std::string args, expected;
  } cases[] = {
      {"--hyp " + (dir_ / "missing").string() + " --ref " + ref, "missing: no such file"},
      {"--hyp " + write("empty", "") + " --ref " + ref, "empty: file is empty"},
      {"--hyp " + hyp + " --ref " + write("bad", "ok\n\xff\nx\n"), "bad:2: invalid UTF-8"},
      {"--hyp " + write("two", "a\nb\n") + " --ref " + ref, "has 3 lines but"},
      {"--hyp " + hyp + " --ref " + ref + " --metrics bleu,ter", "unknown metric 'ter'"},
      {"--hyp " + hyp + " --ref " + ref + " --tokenize intl", "--tokenize: unknown"},
  };
  for (const auto& c : cases) {
    const Outcome run = swt_eval(c.args);
    EXPECT_EQ(run.status, 1) << c.args;
    EXPECT_EQ(run.output.rfind("error: ", 0), 0u) << run.output;
    EXPECT_NE(run.output.find(c.expected), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find('\n'), run.output.size() - 1) << run.output;
  }
}

}  // namespace
