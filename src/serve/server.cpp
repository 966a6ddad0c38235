#include "serve/server.h"

#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "serve/page.h"
#include "serve/request.h"
#include "serve/scheduler.h"
#include "util/error.h"
#include "util/utf8.h"

namespace swt::serve {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::set<std::string> kGetRoutes = {"/", "/health", "/ready", "/metrics", "/v1/model"};
const std::string kTranslateRoute = "/v1/translate";

// The metrics label of a path: the route itself, or "other" (bounded cardinality).
std::string route_label(const std::string& path) {
  if (kGetRoutes.count(path) || path == kTranslateRoute) return path;
  return "other";
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
                  "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}, {"status", status}});
}

// httplib's listening socket has a backlog of 5: a burst of clients would see
// dropped SYNs (a one-second retry each). listen() again widens it.
class HttpServer : public httplib::Server {
 public:
  void widen_backlog() { ::listen(svr_sock_, SOMAXCONN); }
};

// One translation of the response (docs/serve.md): text, score, depth and,
// when asked for, the alignment.
json to_json(const Hypothesis& h, bool alignment) {
  json out = {{"text", h.text},
              {"score", h.score},
              {"depth", {{"encoder", h.encoder_depth}, {"decoder", h.decoder_depth}}}};
  if (alignment) {
    json weights = json::array();
    for (const auto& row : h.attention) {
      json rounded = json::array();  // 4 decimals: enough for a heat map, a third of the bytes
      for (float w : row) rounded.push_back(std::round(static_cast<double>(w) * 1e4) / 1e4);
      weights.push_back(std::move(rounded));
    }
    out["alignment"] = {{"source", h.source}, {"target", h.target}, {"weights", weights}};
  }
  return out;
}

class Service {
 public:
  Service(const ServeOptions& options, Scheduler& scheduler, Metrics& metrics)
      : options_(options), scheduler_(scheduler), metrics_(metrics) {}

  void translate(const std::string& text, Clock::time_point start, httplib::Response& res) const {
    TranslateRequest request;
    RequestError error;
    if (!parse_translate_request(text, options_.beam, options_.length_penalty, request, error))
      return send_error(res, error.status, error.message);
    const bool single = request.single;
    const auto& lines = request.lines;
    const DecodeKey key{request.beam,         request.nbest,          request.length_penalty,
                        request.depth_policy, request.exit_threshold, request.alignment};
    if (const auto why = scheduler_.check(key); !why.empty())
      return send_error(res, 400, "invalid options: " + why);
    std::vector<int64_t> tokens;
    for (size_t i = 0; i < lines.size(); ++i) {
      tokens.push_back(scheduler_.count_tokens(lines[i]));
      if (options_.max_input_tokens > 0 && tokens.back() > options_.max_input_tokens)
        return send_error(res, 413,
                          (single ? std::string("text") : "texts[" + std::to_string(i) + "]") +
                              " has " + std::to_string(tokens.back()) +
                              " tokens, more than --max-input-tokens " +
                              std::to_string(options_.max_input_tokens));
    }
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    auto future = scheduler_.submit(lines, tokens, key, cancelled);
    if (!future) {
      res.set_header("Retry-After", "1");
      return send_error(res, 429,
                        "too many requests waiting (--max-queue " +
                            std::to_string(options_.max_queue) + "); retry later");
    }
    const auto deadline = start + std::chrono::milliseconds(options_.timeout_ms);
    if (future->wait_until(deadline) != std::future_status::ready) {
      cancelled->store(true);
      return send_error(
          res, 504, "not translated within --timeout-ms " + std::to_string(options_.timeout_ms));
    }
    Translations result;
    try {
      result = future->get();
    } catch (const std::exception& e) {
      return send_error(res, 500, "translation failed: " + one_line_message(e));
    }
    auto hypotheses = [&](const std::vector<Hypothesis>& nbest) {
      json list = json::array();
      for (const auto& h : nbest) list.push_back(to_json(h, key.alignment));
      return list;
    };
    json translations = json::array();
    if (single) {
      translations = hypotheses(result.at(0));
    } else {
      for (const auto& nbest : result) {
        json entry = to_json(nbest.empty() ? Hypothesis{} : nbest[0], key.alignment);
        if (key.nbest > 1) entry["nbest"] = hypotheses(nbest);
        translations.push_back(entry);
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics_.observe_translate_latency(seconds);
    send_json(res, 200, {{"translations", translations}, {"elapsed_ms", seconds * 1000}});
  }

 private:
  const ServeOptions& options_;
  Scheduler& scheduler_;
  Metrics& metrics_;
};

std::atomic<bool> g_finished{false};
int g_signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int sig) {
  const char byte = static_cast<char>(sig);
  [[maybe_unused]] auto n = write(g_signal_pipe[1], &byte, 1);
}

}  // namespace

int run_server(const ServeOptions& options) {
  // Threads started before this point (LibTorch's) do not block signals, so
  // no sigwait: the handler writes the signal number to a pipe that one
  // thread reads.
  if (pipe(g_signal_pipe) != 0) fail("cannot create a pipe for signal handling");
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  set_compute_threads(options.threads);
  Metrics metrics;
  Scheduler scheduler(options.model, options.int8,
                      {options.max_batch_tokens, options.max_delay_ms, options.max_queue}, metrics);
  const json model_info = [&] {
    auto info = scheduler.model_info();
    info["defaults"] = {{"beam", options.beam},
                        {"nbest", 1},
                        {"length_penalty", options.length_penalty},
                        {"max_beam", kMaxBeam},
                        {"depth_policy", "fixed"},
                        {"exit_threshold", nullptr},
                        {"alignment", false}};
    info["limits"] = {{"max_input_tokens", options.max_input_tokens},
                      {"max_body_bytes", options.max_body_bytes},
                      {"max_batch_tokens", options.max_batch_tokens},
                      {"max_delay_ms", options.max_delay_ms},
                      {"max_queue", options.max_queue},
                      {"timeout_ms", options.timeout_ms}};
    return info;
  }();
  Service service(options, scheduler, metrics);
  std::atomic<bool> draining{false};

  HttpServer server;
  const auto http_threads = static_cast<size_t>(options.http_threads);
  server.new_task_queue = [http_threads] { return new httplib::ThreadPool(http_threads); };
  server.set_payload_max_length(static_cast<size_t>(options.max_body_bytes));
  server.set_keep_alive_timeout(2);
  server.set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT: a second server on the same port
  // would bind too and silently take half the connections. SO_REUSEADDR only.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });
  server.Get("/ready", [&](const httplib::Request&, httplib::Response& res) {
    if (draining) return send_json(res, 503, {{"status", "shutting down"}});
    send_json(res, 200, {{"status", "ready"}});
  });
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/v1/model", [&](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, model_info);
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kPage, "text/html; charset=utf-8");
  });
  // The body is read here, not by httplib: httplib would parse a body sent
  // as application/x-www-form-urlencoded (curl -d's default) as a form and
  // refuse one over 8 KB with 413.
  server.Post(kTranslateRoute, [&](const httplib::Request& req, httplib::Response& res,
                                   const httplib::ContentReader& reader) {
    const auto start = Clock::now();
    if (req.is_multipart_form_data()) {
      res.set_header("Connection", "close");
      return send_error(res, 415, "multipart/form-data is not accepted; send a JSON body");
    }
    std::string body;
    const bool read = reader([&](const char* data, size_t size) {
      body.append(data, size);
      return true;
    });
    if (!read) {
      if (res.status < 400) res.status = 400;
      return;  // 413 over --max-body-bytes; the error handler writes the body
    }
    service.translate(body, start, res);
  });
  // Anything else: 405 on a known path (with Allow), 404 on an unknown one.
  auto fallback = [](const httplib::Request& req, httplib::Response& res) {
    if (kGetRoutes.count(req.path) || req.path == kTranslateRoute) {
      const std::string allow = req.path == kTranslateRoute ? "POST" : "GET, HEAD";
      res.set_header("Allow", allow);
      return send_error(
          res, 405, req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")");
    }
    send_error(res, 404, "no such route: " + req.path);
  };
  server.Get(".*", fallback);
  server.Post(".*", fallback);
  server.Put(".*", fallback);
  server.Patch(".*", fallback);
  server.Delete(".*", fallback);
  server.Options(".*", fallback);
  // Errors httplib answers itself (413 over --max-body-bytes, 400 malformed
  // requests) get a JSON body too.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([&](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = res.status == 404   ? "not found"
                              : res.status == 400 ? "bad request"
                                                  : "HTTP status " + std::to_string(res.status);
        if (res.status == 413)
          message =
              "request body larger than --max-body-bytes " + std::to_string(options.max_body_bytes);
        send_error(res, res.status, message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
        std::string message = "internal error";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          message += ": " + one_line_message(e);
        } catch (...) {
        }
        send_error(res, 500, message);
      });
  server.set_logger([&](const httplib::Request& req, const httplib::Response& res) {
    metrics.count_request(route_label(req.path), res.status);
  });

  int port = static_cast<int>(options.port);
  if (port == 0) {
    port = server.bind_to_any_port(options.host);
    if (port < 0) fail("cannot listen on " + options.host + " (any port)");
  } else if (!server.bind_to_port(options.host, port)) {
    fail("cannot listen on " + options.host + ":" + std::to_string(port) +
         " (address in use or not available)");
  }
  server.widen_backlog();

  std::atomic<bool> listening_done{false};
  std::thread signal_thread([&] {
    char byte = 0;
    while (read(g_signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    const int sig = byte;
    if (listening_done) return;  // woken by run_server itself
    draining = true;
    std::cerr << "swt serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
              << ", finishing the requests in flight\n";
    // Bound on the shutdown: every request ends by its --timeout-ms deadline.
    const auto bound = std::chrono::milliseconds(options.timeout_ms + 10000);
    std::thread([bound] {
      std::this_thread::sleep_for(bound);
      if (!g_finished) {
        std::cerr << "error: shutdown did not finish within " << bound.count() << " ms\n";
        _exit(1);
      }
    }).detach();
    while (!server.is_running() && !listening_done)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    scheduler.hurry();
    server.stop();
  });

  std::cout << "http://" << options.host << ":" << port << std::endl;
  const bool ok = server.listen_after_bind();
  listening_done = true;
  if (!draining) {
    const char zero = 0;
    [[maybe_unused]] auto n = write(g_signal_pipe[1], &zero, 1);
  }
  signal_thread.join();
  scheduler.stop();
  g_finished = true;
  if (!ok && !draining) fail("the server stopped listening unexpectedly");
  std::cerr << "swt serve: stopped\n";
  return 0;
}

}  // namespace swt::serve
