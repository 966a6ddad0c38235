#include "util/error.h"

namespace swt {

void fail_at(const std::string& file, std::size_t line, const std::string& problem) {
  if (line == 0) throw Error(file + ": " + problem);
  throw Error(file + ":" + std::to_string(line) + ": " + problem);
}

void fail(const std::string& message) { throw Error(message); }

}  // namespace swt
