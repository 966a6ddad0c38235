// The body of `POST /v1/translate`, parsed and checked apart from the server
// so that it can be tested and fuzzed (fuzz/serve_request_fuzz.cpp) without a
// socket or a model. docs/serve.md describes the fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace swt::serve {

inline constexpr int64_t kMaxBeam = 64;  // the largest beam (and nbest) a request may ask for

struct TranslateRequest {
  bool single = true;                  // {"text": ...} rather than {"texts": [...]}
  std::vector<std::string> lines;      // valid UTF-8
  int64_t beam = 5;                    // in [1, kMaxBeam]
  int64_t nbest = 1;                   // in [1, kMaxBeam]
  double length_penalty = 1.0;         // finite
  std::string depth_policy = "fixed";  // fixed | length | learned
  double exit_threshold = -1;          // in [0, 1]; -1: not given (no early decoder exits)
  bool alignment = false;              // return the cross-attention of each output token
};

// A request that cannot be served: the HTTP status and a one-line message
// naming the field.
struct RequestError {
  int status = 400;
  std::string message;
};

// Parses `body`; beam and length_penalty default to the server's. Returns
// false and fills `error` when the body is not a valid request. Never throws.
bool parse_translate_request(const std::string& body, int64_t default_beam,
                             double default_length_penalty, TranslateRequest& request,
                             RequestError& error);

}  // namespace swt::serve
