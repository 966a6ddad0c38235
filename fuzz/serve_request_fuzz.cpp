// Fuzzes the request handling of `swt serve` (src/serve/request.*): the body
// of POST /v1/translate as an HTTP client sends it. The parser must never throw;
// a body it accepts must satisfy what the scheduler relies on: valid UTF-8
// lines, exactly one of text/texts, beam and nbest in [1, kMaxBeam], a finite
// length penalty. A refused body gets status 400 and a one-line message.
#include <cmath>

#include "fuzz_util.h"
#include "serve/request.h"
#include "util/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace swt::serve;
  const std::string body(reinterpret_cast<const char*>(data), size);
  TranslateRequest request;
  RequestError error;
  if (!parse_translate_request(body, 5, 1.0, request, error)) {
    SWT_FUZZ_CHECK(error.status == 400, "status %d", error.status);
    SWT_FUZZ_CHECK(!error.message.empty(), "empty message");
    SWT_FUZZ_CHECK(error.message.find('\n') == std::string::npos, "message of several lines");
    return 0;
  }
  SWT_FUZZ_CHECK(!request.single || request.lines.size() == 1, "single with %zu lines",
                 request.lines.size());
  for (const auto& line : request.lines)
    SWT_FUZZ_CHECK(swt::is_valid_utf8(line), "a line is not valid UTF-8");
  SWT_FUZZ_CHECK(request.beam >= 1 && request.beam <= kMaxBeam, "beam %lld",
                 static_cast<long long>(request.beam));
  SWT_FUZZ_CHECK(request.nbest >= 1 && request.nbest <= kMaxBeam, "nbest %lld",
                 static_cast<long long>(request.nbest));
  SWT_FUZZ_CHECK(std::isfinite(request.length_penalty), "length penalty not finite");
  return 0;
}
