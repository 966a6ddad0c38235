// The message of the swt::Error a call throws, for tests that check what an
// error says (one line, naming the option or file).
#pragma once

#include <functional>
#include <string>

#include "util/error.h"

namespace swt::testing {

// "" when `f` throws nothing.
inline std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace swt::testing
