// `swt serve`: an HTTP/JSON translation server (docs/serve.md). No LibTorch
// or cpp-httplib types here.
#pragma once

#include <cstdint>
#include <string>

#include "serve/request.h"

namespace swt::serve {

struct ServeOptions {
  std::string model;
  std::string host = "127.0.0.1";
  int64_t port = 8080;  // 0: any free port (printed)
  int64_t threads = 0;  // compute threads (0 = all cores), as `swt translate --threads`
  int64_t http_threads = 64;
  int64_t max_batch_tokens = 2048;
  int64_t max_delay_ms = 5;
  int64_t max_queue = 256;
  int64_t max_input_tokens = 1024;  // per sentence; 0 = no limit
  int64_t max_body_bytes = 1 << 20;
  int64_t timeout_ms = 30000;
  bool int8 = false;
  int64_t beam = 5;  // request defaults
  double length_penalty = 1.0;
};

// Loads the model, prints the URL on stdout once it accepts connections, and
// serves until SIGTERM or SIGINT; then stops accepting, answers the requests
// already accepted and returns 0. Startup errors throw swt::Error (one line).
int run_server(const ServeOptions& options);

}  // namespace swt::serve
