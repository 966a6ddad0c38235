#include "util/error.h"

#include <new>

namespace swt {

void fail_at(const std::string& file, std::size_t line, const std::string& problem) {
  if (line == 0) throw Error(file + ": " + problem);
  throw Error(file + ":" + std::to_string(line) + ": " + problem);
}

void fail(const std::string& message) { throw Error(message); }

std::string one_line_message(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return "out of memory";
  std::string message = e.what();
  const auto end = message.find('\n');
  if (end != std::string::npos) message.resize(end);
  return message.empty() ? "internal error" : message;
}

}  // namespace swt
