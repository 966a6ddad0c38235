// One error type for everything a user can get wrong: bad files, bad configs,
// bad flags. The CLI catches it, prints `error: <message>` on one line, exits 1.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace swt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Builds "FILE:LINE: problem" (LINE is 1-based); line 0 means "the whole file".
[[noreturn]] void fail_at(const std::string& file, std::size_t line, const std::string& problem);

// Throws swt::Error with the message as is.
[[noreturn]] void fail(const std::string& message);

// The first line of any exception's message (LibTorch's c10::Error appends a
// stack trace on further lines), for the one-line errors users see.
std::string one_line_message(const std::exception& e);

}  // namespace swt
