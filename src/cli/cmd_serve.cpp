// swt serve --model DIR [--host H] [--port N] ...: HTTP/JSON translation server (docs/serve.md)
#include "cli/command.h"
#include "serve/server.h"

namespace swt::cli {

namespace {

void setup_serve(CLI::App& sub) {
  auto o = std::make_shared<serve::ServeOptions>();
  sub.add_option("--model,-m", o->model, "model directory written by swt train")->required();
  sub.add_option("--host", o->host, "address to listen on")->capture_default_str();
  sub.add_option("--port", o->port, "TCP port (0 = any free port; the URL is printed)")
      ->check(between(0, 65535))
      ->capture_default_str();
  sub.add_option("--threads", o->threads, "CPU threads for the model (0 = all cores)")
      ->check(between(0, 4096))
      ->capture_default_str();
  sub.add_option("--http-threads", o->http_threads, "threads answering HTTP connections")
      ->check(between(1, 1024))
      ->capture_default_str();
  sub.add_option("--max-batch-tokens", o->max_batch_tokens,
                 "start a batch once this many source tokens wait")
      ->check(between(1, 1 << 20))
      ->capture_default_str();
  sub.add_option("--max-delay-ms", o->max_delay_ms,
                 "or once the oldest waiting request has waited this long")
      ->check(between(0, 60000))
      ->capture_default_str();
  sub.add_option("--max-queue", o->max_queue, "requests waiting for the model; more get 429")
      ->check(between(1, 1 << 20))
      ->capture_default_str();
  sub.add_option("--max-input-tokens", o->max_input_tokens,
                 "longer sentences get 413 (0 = no limit)")
      ->check(between(0, 1 << 20))
      ->capture_default_str();
  sub.add_option("--max-body-bytes", o->max_body_bytes, "larger request bodies get 413")
      ->check(between(1, 1 << 30))
      ->capture_default_str();
  sub.add_option("--timeout-ms", o->timeout_ms, "per-request deadline; later answers are 504")
      ->check(between(1, 3600000))
      ->capture_default_str();
  sub.add_flag("--int8", o->int8, "int8 weights for small-batch decoding (as swt translate)");
  sub.add_option("--beam,-b", o->beam, "default beam size of requests (1 = greedy)")
      ->check(between(1, static_cast<double>(serve::kMaxBeam)))
      ->capture_default_str();
  sub.add_option("--length-penalty", o->length_penalty, "default length penalty of requests")
      ->check(between(0, 1e6))
      ->capture_default_str();
  sub.callback([o] {
    const int code = serve::run_server(*o);
    if (code != 0) std::exit(code);
  });
}

const RegisterCommand kRegister("serve", "HTTP/JSON translation server (docs/serve.md)",
                                setup_serve);

}  // namespace

}  // namespace swt::cli
