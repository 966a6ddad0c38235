// Inputs the libFuzzer targets (fuzz/, docs/fuzzing.md) found to crash or to
// break a promised property, checked here so the bugs stay fixed. The
// crashing inputs themselves are in fuzz/corpus/<target>/regression-*; the
// last test replays them all through the same readers.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "model/safetensors.h"
#include "support/run_command.h"
#include "train/train_config.h"
#include "util/error.h"

namespace swt {
namespace {

std::string write(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// The header bytes as a safetensors file with no data section.
std::string safetensors_with_header(const std::string& json) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((json.size() >> (8 * i)) & 0xFF));
  return out + json;
}

// train_config_fuzz crash-5d7408f4: a complex YAML key ("? ...") made
// YAML::TypedBadConversion escape load_train_config.
TEST(FuzzRegressions, ConfigComplexKeyIsAnError) {
  const auto dir = testing::temp_dir("fuzz_complex_key");
  const auto path = write(dir, "c.yaml", "? [model, d_model]\n: 64\n");
  EXPECT_NE(error_of([&] { train::load_train_config(path, {}); }).find("c.yaml:1: config keys"),
            std::string::npos);
  const auto nested = write(dir, "n.yaml", "train:\n  ? {lr: 1}\n  : 2\n");
  EXPECT_THROW(train::load_train_config(nested, {}), Error);
}

// --dump-config printed doubles with 6 digits: 0.99999999 came back as 1,
// which the loader then refused (dropout must be < 1), and lr lost digits.
TEST(FuzzRegressions, DumpedConfigKeepsEveryDigit) {
  const auto dir = testing::temp_dir("fuzz_dump_digits");
  const auto path =
      write(dir, "c.yaml", "model:\n  dropout: 0.99999999\ntrain:\n  lr: 0.000123456789\n");
  const auto config = train::load_train_config(path, {"train.adam_eps=1.0000000000000002e-9"});
  const auto dumped = write(dir, "dump.yaml", train::dump_train_config(config));
  const auto again = train::load_train_config(dumped, {});
  EXPECT_EQ(again.model.dropout, 0.99999999);
  EXPECT_EQ(again.train.lr, 0.000123456789);
  EXPECT_EQ(again.train.adam_eps, 1.0000000000000002e-9);
  // Values that six digits hold are printed as before.
  EXPECT_NE(train::dump_train_config(again).find("  adam_beta2: 0.98  #"), std::string::npos);
}

// train_config_fuzz crash-21c65939: a string value with invalid UTF-8 (and a
// control character) did not survive --dump-config; such values are refused.
TEST(FuzzRegressions, ConfigStringsMustBeValidUtf8) {
  const auto dir = testing::temp_dir("fuzz_utf8_value");
  const auto path = write(dir, "c.yaml", "data:\n  train_src: \"a\\x1f\xff\xff\"\n");
  EXPECT_NE(error_of([&] { train::load_train_config(path, {}); })
                .find("c.yaml:2: data.train_src must be valid UTF-8"),
            std::string::npos);
  EXPECT_THROW(train::load_train_config("", {"data.dev_src=x\xc3"}), Error);
  EXPECT_EQ(train::load_train_config("", {"data.dev_src=d\xc3\xa9v"}).data.dev_src, "d\xc3\xa9v");
}

// safetensors_fuzz: a dimension above INT64_MAX next to a zero (so the byte
// size is 0) reached torch::empty as a negative size: c10::Error escaped.
TEST(FuzzRegressions, SafetensorsDimensionBeyondInt64IsAnError) {
  const auto dir = testing::temp_dir("fuzz_safetensors_dims");
  for (const char* shape : {"[0,9223372036854775808]", "[0,18446744073709551615]",
                            "[0,4294967296,4294967296]", "[4294967296,4294967296,0]"}) {
    const auto path = write(dir, "m.safetensors",
                            safetensors_with_header(std::string(R"({"a":{"dtype":"F32","shape":)") +
                                                    shape + R"(,"data_offsets":[0,0]}})"));
    EXPECT_NE(error_of([&] { model::load_safetensors(path); }).find("tensor 'a': shape is too large"),
              std::string::npos)
        << shape;
  }
  // Large empty tensors whose sizes fit are still fine.
  const auto ok = write(dir, "ok.safetensors",
                        safetensors_with_header(
                            R"({"a":{"dtype":"U8","shape":[0,1073741824,1024],"data_offsets":[0,0]}})"));
  EXPECT_EQ(model::load_safetensors(ok).at("a").size(1), 1073741824);
}

// Every fuzz/corpus/<target>/regression-* input: the reader succeeds or
// throws swt::Error, nothing else.
TEST(FuzzRegressions, CorpusRegressionInputsGiveOneLineErrors) {
  namespace fs = std::filesystem;
  const auto dir = testing::temp_dir("fuzz_replay");
  const fs::path corpus = fs::path(SWT_SOURCE_DIR) / "fuzz" / "corpus";
  int replayed = 0;
  for (const std::string target : {"safetensors", "train_config"}) {
    for (const auto& entry : fs::directory_iterator(corpus / target)) {
      if (entry.path().filename().string().rfind("regression-", 0) != 0) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      try {
        if (target == "safetensors") {
          model::load_safetensors(write(dir, "in.safetensors", bytes));
        } else {
          // As train_config_fuzz: YAML, then optionally NUL and --set lines.
          const auto nul = bytes.find('\0');
          std::vector<std::string> sets;
          if (nul != std::string::npos) {
            std::istringstream lines(bytes.substr(nul + 1));
            for (std::string line; std::getline(lines, line);) sets.push_back(line);
          }
          train::load_train_config(write(dir, "in.yaml", bytes.substr(0, nul)), sets);
        }
      } catch (const Error&) {
      } catch (const std::exception& e) {
        ADD_FAILURE() << "not a swt::Error: " << e.what();
      }
      ++replayed;
    }
  }
  EXPECT_GE(replayed, 5);
}

}  // namespace
}  // namespace swt
