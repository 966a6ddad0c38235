#include "util/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "util/error.h"
#include "util/utf8.h"

namespace swt {

namespace {

std::vector<std::string> read_stream(std::istream& in, const std::string& name) {
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto bad = find_invalid_utf8(line);
    if (bad != std::string::npos)
      fail_at(name, lines.size() + 1, "invalid UTF-8 at byte " + std::to_string(bad + 1));
    lines.push_back(std::move(line));
  }
  return lines;
}

void write_all(int fd, std::string_view data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_at(path, 0, std::string("write failed: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

void fsync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // Best effort: some filesystems refuse to open directories.
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::vector<std::string> read_lines(const std::string& path, bool allow_empty) {
  std::vector<std::string> lines;
  if (path == "-") {
    lines = read_stream(std::cin, "<stdin>");
  } else {
    if (!std::filesystem::exists(path)) fail_at(path, 0, "no such file");
    if (std::filesystem::is_directory(path)) fail_at(path, 0, "is a directory, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_at(path, 0, "cannot open for reading");
    lines = read_stream(in, path);
  }
  if (lines.empty() && !allow_empty) fail_at(path, 0, "file is empty");
  return lines;
}

void read_parallel(const std::string& src_path, const std::string& tgt_path,
                   std::vector<std::string>& src, std::vector<std::string>& tgt) {
  src = read_lines(src_path);
  tgt = read_lines(tgt_path);
  if (src.size() != tgt.size())
    fail_at(tgt_path, 0,
            "has " + std::to_string(tgt.size()) + " lines but " + src_path + " has " +
                std::to_string(src.size()) + " (parallel files must match line for line)");
}

void write_file_atomic(const std::string& path, const std::string& content) {
  write_file_atomic(path, std::vector<std::string_view>{content});
}

namespace {

// A device or pipe (`--output /dev/null`, `/dev/stdout`, a FIFO) is written to
// as it is: renaming a temp file over it would replace the device itself.
bool write_special_file(const std::string& path, const std::vector<std::string_view>& parts) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return false;
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC);
  if (fd < 0) fail_at(path, 0, std::string("cannot open for writing: ") + std::strerror(errno));
  try {
    for (const auto part : parts) write_all(fd, part, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return true;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::vector<std::string_view>& parts) {
  namespace fs = std::filesystem;
  if (write_special_file(path, parts)) return;
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail_at(path, 0, std::string("cannot create temp file: ") + std::strerror(errno));
  try {
    for (const auto part : parts) write_all(fd, part, path);
    if (::fsync(fd) != 0) fail_at(path, 0, std::string("fsync failed: ") + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  ::chmod(tmp.c_str(), 0644);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    fail_at(path, 0, std::string("rename failed: ") + std::strerror(errno));
  }
  fsync_directory(target.parent_path());
}

void write_lines_atomic(const std::string& path, const std::vector<std::string>& lines) {
  std::string content;
  for (const auto& l : lines) {
    content += l;
    content += '\n';
  }
  write_file_atomic(path, content);
}

}  // namespace swt
