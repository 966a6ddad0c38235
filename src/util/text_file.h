// Reading and writing the line-oriented text files every command works on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swt {

// Reads all lines of a UTF-8 text file (a trailing "\r" is dropped).
// Errors name the file and line: missing file, invalid UTF-8, and (unless
// allow_empty) an empty file. "-" reads standard input.
std::vector<std::string> read_lines(const std::string& path, bool allow_empty = false);

// Reads two parallel files and checks they have the same number of lines.
void read_parallel(const std::string& src_path, const std::string& tgt_path,
                   std::vector<std::string>& src, std::vector<std::string>& tgt);

// Writes `content` so that readers see either the old file or the whole new one:
// temp file in the same directory, fsync, rename, fsync of the directory.
void write_file_atomic(const std::string& path, const std::string& content);
// The same for content in several pieces (written in order, never joined in memory).
void write_file_atomic(const std::string& path, const std::vector<std::string_view>& parts);

// Joins lines with "\n" (and a final newline) and writes them atomically.
void write_lines_atomic(const std::string& path, const std::vector<std::string>& lines);

}  // namespace swt
