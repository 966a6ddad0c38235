#include "util/text_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "support/error_message.h"
#include "util/error.h"

namespace swt {

namespace {

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "swt_text_file_test";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void write_raw(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

}  // namespace

TEST(TextFile, ReadsLinesAndDropsCarriageReturns) {
  const auto p = temp_path("lines.txt");
  write_raw(p, "one\r\ntwo\nthree");
  EXPECT_EQ(read_lines(p), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(TextFile, ErrorsNameFileAndLine) {
  const auto p = temp_path("bad.txt");
  write_raw(p, "fine\nbad \xff here\n");
  EXPECT_EQ(testing::error_message([&] { read_lines(p); }), p + ":2: invalid UTF-8 at byte 5");
  EXPECT_EQ(testing::error_message([&] { read_lines(temp_path("missing.txt")); }),
            temp_path("missing.txt") + ": no such file");
  const auto empty = temp_path("empty.txt");
  write_raw(empty, "");
  EXPECT_EQ(testing::error_message([&] { read_lines(empty); }), empty + ": file is empty");
  EXPECT_TRUE(read_lines(empty, true).empty());
}

TEST(TextFile, ParallelFilesMustMatch) {
  const auto a = temp_path("a.txt"), b = temp_path("b.txt");
  write_raw(a, "1\n2\n3\n");
  write_raw(b, "1\n2\n");
  std::vector<std::string> src, tgt;
  const auto msg = testing::error_message([&] { read_parallel(a, b, src, tgt); });
  EXPECT_NE(msg.find("has 2 lines but"), std::string::npos) << msg;
}

TEST(TextFile, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  const auto p = temp_path("atomic.txt");
  write_lines_atomic(p, {"a", "b"});
  write_lines_atomic(p, {"c"});
  EXPECT_EQ(read_lines(p), (std::vector<std::string>{"c"}));
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(p).parent_path()))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
}

// `--output /dev/null` once replaced the device with a regular file (as root,
// the temp file was renamed over it). A FIFO stands in for the device here.
TEST(TextFile, AtomicWriteToADeviceOrPipeWritesThroughIt) {
  const auto fifo = temp_path("fifo");
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] {
    std::ifstream in(fifo);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  });
  write_lines_atomic(fifo, {"a", "b"});
  EXPECT_EQ(reader.get(), "a\nb\n");
  EXPECT_EQ(std::filesystem::status(fifo).type(), std::filesystem::file_type::fifo);
  std::filesystem::remove(fifo);
}

}  // namespace swt
