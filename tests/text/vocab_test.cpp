#include "text/vocab.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "util/error.h"

namespace swt::text {
namespace {

namespace fs = std::filesystem;
using Sentences = std::vector<std::vector<std::string>>;

class VocabFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("swt_vocab_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Expects load() to throw swt::Error whose message starts with "PATH:LINE: " and
  // contains `what`.
  void expect_load_error(const std::string& path, int line, const std::string& what) {
    try {
      Vocab::load(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path + ":" + std::to_string(line) + ": ", 0), 0u) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
    }
  }

  fs::path dir_;
};

const Sentences kSentences = {
    {"the", "cat", "sat", "￭."}, {"the", "dog", "sat", "￭."}, {"the", "bird", "￭."}, {"a", "cat"}};

TEST(Vocab, DefaultHasOnlySpecials) {
  const Vocab v;
  ASSERT_EQ(v.size(), 4);
  EXPECT_EQ(v.token(Vocab::kPad), "<pad>");
  EXPECT_EQ(v.token(Vocab::kUnk), "<unk>");
  EXPECT_EQ(v.token(Vocab::kBos), "<s>");
  EXPECT_EQ(v.token(Vocab::kEos), "</s>");
  EXPECT_EQ(v.id("<s>"), Vocab::kBos);
  EXPECT_EQ(v.id("anything"), Vocab::kUnk);
}

TEST(Vocab, BuildOrdersByCountThenToken) {
  const auto v = Vocab::build(kSentences, 1, 0);
  const std::vector<std::string> expected = {"<pad>", "<unk>", "<s>", "</s>", "the", "￭.",
                                             "cat",   "sat",   "a",   "bird", "dog"};
  ASSERT_EQ(v.size(), static_cast<int>(expected.size()));
  for (int i = 0; i < v.size(); ++i) EXPECT_EQ(v.token(i), expected[i]) << i;
  EXPECT_EQ(v.count(v.id("the")), 3);
  EXPECT_EQ(v.count(v.id("cat")), 2);
  EXPECT_EQ(v.count(v.id("dog")), 1);
  EXPECT_EQ(v.count(Vocab::kPad), 0);
}

TEST(Vocab, MinCountAndMaxSize) {
  const auto frequent = Vocab::build(kSentences, 2, 0);
  EXPECT_EQ(frequent.size(), 4 + 4);  // the ￭. cat sat
  EXPECT_EQ(frequent.id("dog"), Vocab::kUnk);
  EXPECT_EQ(frequent.id("sat"), 7);

  const auto small = Vocab::build(kSentences, 1, 6);
  ASSERT_EQ(small.size(), 6);
  EXPECT_EQ(small.token(4), "the");
  EXPECT_EQ(small.token(5), "￭.");
  EXPECT_EQ(small.id("cat"), Vocab::kUnk);

  EXPECT_EQ(Vocab::build(kSentences, 1, 4).size(), 4);
  EXPECT_EQ(Vocab::build(kSentences, 1, 1000).size(), 11);
  EXPECT_THROW(Vocab::build(kSentences, 1, 3), Error);
}

TEST(Vocab, SpecialsInDataAreCountedNotDuplicated) {
  const auto v = Vocab::build({{"<unk>", "x", "<unk>"}}, 1, 0);
  EXPECT_EQ(v.size(), 5);
  EXPECT_EQ(v.count(Vocab::kUnk), 2);
  EXPECT_EQ(v.id("x"), 4);
}

TEST(Vocab, RejectsTokensWithWhitespace) {
  EXPECT_THROW(Vocab::build({{"a b"}}, 1, 0), Error);
  EXPECT_THROW(Vocab::build({{""}}, 1, 0), Error);
}

TEST(Vocab, EncodeDecode) {
  const auto v = Vocab::build(kSentences, 1, 0);
  const std::vector<std::string> tokens = {"the", "zebra", "sat", "￭."};
  const auto ids = v.encode(tokens);
  EXPECT_EQ(ids, (std::vector<int>{4, Vocab::kUnk, 7, 5}));
  EXPECT_EQ(v.decode({Vocab::kBos, 4, 6, Vocab::kEos, Vocab::kPad}),
            (std::vector<std::string>{"<s>", "the", "cat", "</s>", "<pad>"}));
  EXPECT_THROW(v.token(v.size()), std::out_of_range);
  EXPECT_THROW(v.token(-1), std::out_of_range);
}

TEST_F(VocabFileTest, SaveLoadRoundTrip) {
  const auto v = Vocab::build(kSentences, 1, 0);
  const auto path = (dir_ / "sub" / "vocab.txt").string();
  v.save(path);
  std::ifstream in(path);
  std::string first_lines, line;
  for (int i = 0; i < 5 && std::getline(in, line); ++i) first_lines += line + "\n";
  EXPECT_EQ(first_lines, "<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\nthe\t3\n");

  const auto loaded = Vocab::load(path);
  ASSERT_EQ(loaded.size(), v.size());
  for (int i = 0; i < v.size(); ++i) {
    EXPECT_EQ(loaded.token(i), v.token(i));
    EXPECT_EQ(loaded.count(i), v.count(i));
    EXPECT_EQ(loaded.id(v.token(i)), i);
  }
}

TEST_F(VocabFileTest, LoadErrorsNameFileAndLine) {
  const std::string specials = "<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\n";
  try {
    Vocab::load((dir_ / "missing.txt").string());
    ADD_FAILURE() << "no error for a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos);
  }
  expect_load_error(write("notab.txt", specials + "a\t1\nbroken line\n"), 6, "no tab");
  expect_load_error(write("badcount.txt", specials + "a\tmany\n"), 5, "non-negative integer");
  expect_load_error(write("negative.txt", specials + "a\t-2\n"), 5, "non-negative integer");
  expect_load_error(write("twotabs.txt", specials + "a\t1\t2\n"), 5, "more than one tab");
  expect_load_error(write("empty_token.txt", specials + "\t1\n"), 5, "empty token");
  expect_load_error(write("dup.txt", specials + "a\t2\nb\t1\na\t1\n"), 7,
                    "duplicate token \"a\" (first on line 5)");
  expect_load_error(write("dup_special.txt", specials + "<unk>\t2\n"), 5, "duplicate");
  expect_load_error(write("nospecial.txt", "<pad>\t0\nthe\t3\n"), 2,
                    "expected special token <unk>");
  expect_load_error(write("short.txt", "<pad>\t0\n<unk>\t0\n"), 3, "expected special token <s>");
}

TEST_F(VocabFileTest, LoadAcceptsCrLf) {
  const auto v =
      Vocab::load(write("crlf.txt", "<pad>\t0\r\n<unk>\t5\r\n<s>\t0\r\n</s>\t0\r\nx\t7\r\n"));
  EXPECT_EQ(v.size(), 5);
  EXPECT_EQ(v.count(Vocab::kUnk), 5);
  EXPECT_EQ(v.id("x"), 4);
}

}  // namespace
}  // namespace swt::text
