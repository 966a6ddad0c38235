#!/usr/bin/python3
"""End-to-end tests of `swt serve` with real HTTP clients (standard library only).

Usage: serve_test.py CASE SWT MODEL_DIR SOURCE_FILE WORK_DIR
CASE: outputs | concurrency | split | depth | errors | metrics | shutdown | cli | curl
(depth wants an adaptive-depth model: tests/serve/make_adaptive_model.sh)
"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

CASE, SWT, MODEL, SOURCE, WORK = sys.argv[1:6]
os.makedirs(WORK, exist_ok=True)
SERVERS = []


def fail(message):
    print("FAIL: " + message)
    for proc in SERVERS:
        if proc.poll() is None:
            proc.kill()
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


class Server:
    def __init__(self, *extra):
        self.proc = subprocess.Popen(
            [SWT, "serve", "--model", MODEL, "--port", "0", "--threads", "1", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        SERVERS.append(self.proc)
        line = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()))
        reader.start()
        reader.join(60)
        check(line and line[0].startswith("http://"),
              "server did not print its URL: %r (stderr: %s)" % (line, self.stderr()))
        self.url = line[0].strip()
        parsed = urllib.parse.urlparse(self.url)
        self.host, self.port = parsed.hostname, parsed.port

    def stderr(self):
        if self.proc.poll() is None:
            return "(running)"
        return self.proc.stderr.read()

    def request(self, method, path, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), data

    def json(self, method, path, body=None, **kw):
        status, headers, data = self.request(method, path, body, **kw)
        try:
            parsed = json.loads(data)
        except ValueError:
            fail("%s %s: not JSON: %r" % (method, path, data[:200]))
        return status, headers, parsed

    def translate(self, body):
        return self.json("POST", "/v1/translate", body)

    def metrics(self):
        status, _, data = self.request("GET", "/metrics")
        check(status == 200, "/metrics status %d" % status)
        values = {}
        for line in data.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    def stop(self, sig=signal.SIGTERM, bound=60):
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(bound)
        except subprocess.TimeoutExpired:
            fail("server did not exit within %d s of %s" % (bound, sig))
        return code


def source_lines(n, offset=0):
    with open(SOURCE, encoding="utf-8") as f:
        lines = f.read().splitlines()
    return lines[offset:offset + n]


def swt_translate(lines, *options, stderr=False):
    """What `swt translate` prints for these lines (a list of output lines;
    with stderr=True, also what it writes to stderr)."""
    path = os.path.join(WORK, "%s.src" % CASE)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))
    run = subprocess.run([SWT, "translate", "--model", MODEL, "--input", path, "--threads", "1",
                          *options], check=True, capture_output=True, text=True)
    return (run.stdout.splitlines(), run.stderr) if stderr else run.stdout.splitlines()


def case_outputs():
    lines = source_lines(40) + [""]
    server = Server()
    # Default options (beam 5), one request with every line.
    expected = swt_translate(lines)
    status, _, body = server.translate({"texts": lines})
    check(status == 200, "texts: status %d %s" % (status, body))
    got = [t["text"] for t in body["translations"]]
    check(got == expected, "texts differ from swt translate:\n%s\n%s" % (got, expected))
    check(isinstance(body["elapsed_ms"], (int, float)), "elapsed_ms missing")
    # Alignment and a null exit_threshold change nothing in the text; every
    # translation carries its depth (full on this model: 1 encoder and 1
    # decoder layer).
    status, _, body = server.translate({"texts": lines, "alignment": True,
                                        "exit_threshold": None, "depth_policy": "fixed"})
    check(status == 200, "alignment: status %d %s" % (status, body))
    got = [t["text"] for t in body["translations"]]
    check(got == expected, "texts with alignment differ:\n%s\n%s" % (got, expected))
    for line, t in zip(lines, body["translations"]):
        if not line:
            continue
        check(t["depth"]["encoder"] == 1 and set(t["depth"]["decoder"]) == {1}, "depth %r" % t)
        check_alignment(line, t)
    # One request per line, greedy.
    expected = swt_translate(lines[:10], "--beam", "1")
    for line, want in zip(lines[:10], expected):
        status, _, body = server.translate({"text": line, "beam": 1})
        check(status == 200 and len(body["translations"]) == 1, "text: %d %s" % (status, body))
        check(body["translations"][0]["text"] == want,
              "text %r: %r != %r" % (line, body["translations"][0]["text"], want))
    # n-best lists with a length penalty: Moses format from swt translate.
    moses = swt_translate(lines[:12], "--beam", "4", "--nbest", "3", "--length-penalty", "0.6")
    expected = {}
    for entry in moses:
        i, text, score = entry.split(" ||| ")
        expected.setdefault(int(i), []).append((text, score))
    status, _, body = server.translate(
        {"texts": lines[:12], "beam": 4, "nbest": 3, "length_penalty": 0.6})
    check(status == 200, "nbest: status %d %s" % (status, body))
    for i, entry in enumerate(body["translations"]):
        got = [(h["text"], "%.4f" % h["score"]) for h in entry["nbest"]]
        check(got == expected[i], "nbest %d: %s != %s" % (i, got, expected[i]))
        check(entry["text"] == entry["nbest"][0]["text"], "best of nbest %d" % i)
    status, _, body = server.translate({"text": lines[0], "beam": 4, "nbest": 3,
                                        "length_penalty": 0.6})
    got = [(h["text"], "%.4f" % h["score"]) for h in body["translations"]]
    check(got == expected[0], "text nbest: %s != %s" % (got, expected[0]))
    # A body over 8 KB sent as a form (curl -d's default Content-Type) and chunked.
    many = {"texts": ["a b c"] * 1200}
    status, _, body = server.json("POST", "/v1/translate", many,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(status == 200 and len(body["translations"]) == 1200, "form body: %d" % status)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    conn.request("POST", "/v1/translate", body=iter([b'{"text": ', json.dumps(lines[0]).encode(),
                                                     b"}"]), encode_chunked=True)
    response = conn.getresponse()
    data = json.loads(response.read())
    conn.close()
    check(response.status == 200 and data["translations"][0]["text"] == swt_translate(lines[:1])[0],
          "chunked body: %d %s" % (response.status, data))
    # The other routes.
    status, _, body = server.json("GET", "/health")
    check(status == 200 and body["status"] == "ok", "/health %d %s" % (status, body))
    status, _, body = server.json("GET", "/ready")
    check(status == 200 and body["status"] == "ready", "/ready %d %s" % (status, body))
    status, _, body = server.json("GET", "/v1/model")
    check(status == 200 and body["attention"] == "vanilla" and body["src_vocab_size"] > 4 and
          body["encoder_layers"] == 1 and "adaptive_depth" in body and
          body["defaults"]["beam"] == 5, "/v1/model %d %s" % (status, body))
    status, headers, page = server.request("GET", "/")
    check(status == 200 and b"/v1/translate" in page and
          headers.get("Content-Type", "").startswith("text/html"), "/ page")
    check(server.stop() == 0, "exit status")
    # --int8 and a server-wide default beam, as swt translate --int8 --beam 2.
    expected = swt_translate(lines[:10], "--int8", "--beam", "2")
    server = Server("--int8", "--beam", "2")
    status, _, body = server.translate({"texts": lines[:10]})
    got = [t["text"] for t in body["translations"]]
    check(status == 200 and got == expected, "--int8: %s != %s" % (got, expected))
    check(server.stop() == 0, "exit status")


def check_alignment(line, t):
    """The alignment of translation `t` of source `line`: source and target
    tokens ending in </s>, one row per target token, each a distribution over
    the source tokens; one decoder depth per target token."""
    a = t["alignment"]
    check(a["source"] == line.split() + ["</s>"], "alignment source %r of %r" % (a["source"], line))
    check(a["target"][-1] == "</s>" and " ".join(a["target"][:-1]) == t["text"],
          "alignment target %r of %r" % (a["target"], t["text"]))
    check(len(a["weights"]) == len(a["target"]) == len(t["depth"]["decoder"]),
          "alignment rows %d, target %d, depth %d" % (len(a["weights"]), len(a["target"]),
                                                      len(t["depth"]["decoder"])))
    for row in a["weights"]:
        check(len(row) == len(a["source"]) and all(0 <= w <= 1 for w in row) and
              abs(sum(row) - 1) < 0.01, "alignment row %r" % row)


def case_concurrency():
    lines = source_lines(64, offset=100)
    expected = swt_translate(lines)
    # A long delay so that the 64 requests are batched together.
    server = Server("--max-delay-ms", "300", "--max-batch-tokens", "100000")
    before = server.metrics()
    results = [None] * len(lines)

    def client(i):
        try:
            results[i] = server.translate({"text": lines[i]})
        except Exception as e:  # reported below
            results[i] = (None, None, repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(lines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for i, (status, _, body) in enumerate(results):
        check(status == 200, "client %d: %s %s" % (i, status, body))
        check(body["translations"][0]["text"] == expected[i],
              "client %d: %r != %r" % (i, body["translations"][0]["text"], expected[i]))
    after = server.metrics()
    batches = after["swt_batch_sentences_count"] - before["swt_batch_sentences_count"]
    check(1 <= batches < 64, "64 requests ran in %d batches (no batching)" % batches)
    print("64 concurrent requests in %d batches" % batches)
    check(server.stop() == 0, "exit status")


def case_split():
    """A request with more tokens than --max-batch-tokens is split over
    several batches, each within the budget, and answered as swt translate."""
    lines = source_lines(60, offset=300)
    expected = swt_translate(lines)
    tokens = sum(len(line.split()) + 1 for line in lines)
    server = Server("--max-batch-tokens", "32")
    before = server.metrics()
    status, _, body = server.translate({"texts": lines})
    check(status == 200, "split: status %d %s" % (status, body))
    got = [t["text"] for t in body["translations"]]
    check(got == expected, "split request differs from swt translate:\n%s\n%s" % (got, expected))
    after = server.metrics()

    def moved(name):
        return after[name] - before.get(name, 0)

    batches = moved("swt_batch_sentences_count")
    check(batches >= tokens / 32, "%d tokens in %d batches of at most 32" % (tokens, batches))
    check(moved('swt_batch_tokens_bucket{le="32"}') == batches, "a batch over 32 tokens")
    check(moved("swt_sentences_in_total") == len(lines), "sentences in")
    print("%d sentences (%d tokens with </s>) in %d batches" % (len(lines), tokens, batches))
    # Two large requests at once, and one with a sentence over the budget
    # (it goes alone): all answered correctly.
    server.stop()
    server = Server("--max-batch-tokens", "6", "--max-delay-ms", "200")
    results = {}

    def client(name, body):
        results[name] = server.translate(body)

    long_lines = [line for line in lines if len(line.split()) >= 6]
    check(long_lines, "no test sentence of 6 tokens or more")
    threads = [threading.Thread(target=client, args=(i, {"texts": lines[i * 20:(i + 1) * 20]}))
               for i in range(2)]
    threads.append(threading.Thread(target=client, args=("long", {"text": long_lines[0]})))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for i in range(2):
        status, _, body = results[i]
        got = [t["text"] for t in body["translations"]]
        check(status == 200 and got == expected[i * 20:(i + 1) * 20], "concurrent split %d" % i)
    status, _, body = results["long"]
    check(status == 200 and body["translations"][0]["text"] == expected[lines.index(long_lines[0])],
          "sentence over the budget: %d %s" % (status, body))
    check(server.stop() == 0, "exit status")


DEPTH_OPTIONS = [("fixed", None), ("length", None), ("learned", None), ("learned", 0.2),
                 ("fixed", 0.5), ("length", 0.8), ("learned", 1.0), ("fixed", 0.0)]


def request_options(policy, threshold):
    body = {"depth_policy": policy, "alignment": True}
    if threshold is not None:
        body["exit_threshold"] = threshold
    return body


def cli_options(policy, threshold):
    options = ["--depth-policy", policy, "--stats"]
    if threshold is not None:
        options += ["--exit-threshold", str(threshold)]
    return options


def case_depth():
    """On an adaptive-depth model: depth_policy and exit_threshold give what
    swt translate --depth-policy --exit-threshold gives (outputs and mean
    depths), concurrent requests with different options are not mixed, and
    the depth and alignment fields are consistent."""
    lines = [line for line in source_lines(40, offset=400) if line]
    expected = {}
    for policy, threshold in DEPTH_OPTIONS:
        out, err = swt_translate(lines, *cli_options(policy, threshold), stderr=True)
        m = re.search(r"mean encoder depth ([\d.]+) \| mean decoder layers per token ([\d.]+)", err)
        check(m, "no depth statistics from swt translate --stats: %r" % err)
        expected[(policy, threshold)] = (out, m.group(1), m.group(2))
    server = Server("--max-delay-ms", "300", "--max-batch-tokens", "100000")
    status, _, info = server.json("GET", "/v1/model")
    layers = info["decoder_layers"]
    check(info["adaptive_depth"]["adaptive"] is True and layers >= 2, "not adaptive: %s" % info)
    means = set()
    before = server.metrics()
    results = {}

    def client(key):
        results[key] = server.translate(dict(texts=lines, **request_options(*key)))

    # All the option sets at once: each must be its own batch.
    threads = [threading.Thread(target=client, args=(key,)) for key in DEPTH_OPTIONS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for key in DEPTH_OPTIONS:
        status, _, body = results[key]
        check(status == 200, "%s: status %d %s" % (key, status, body))
        out, encoder, decoder = expected[key]
        got = [t["text"] for t in body["translations"]]
        check(got == out, "%s: differs from swt translate:\n%s\n%s" % (key, got, out))
        enc = [t["depth"]["encoder"] for t in body["translations"]]
        dec = [d for t in body["translations"] for d in t["depth"]["decoder"]]
        check(all(1 <= d <= layers for d in dec), "%s: decoder depth out of range %s" % (key, dec))
        got_means = ("%.2f" % (sum(enc) / len(enc)), "%.2f" % (sum(dec) / len(dec)))
        check(got_means == (encoder, decoder),
              "%s: mean depths %s, swt translate --stats %s" % (key, got_means,
                                                                (encoder, decoder)))
        means.add(got_means)
        for line, t in zip(lines, body["translations"]):
            check_alignment(line, t)
        print("%s: mean encoder depth %s, decoder layers per token %s" % ((key,) + got_means))
    check(len(means) >= 3, "the options gave only %d different depths: %s" % (len(means), means))
    batches = server.metrics()["swt_batch_sentences_count"] - before["swt_batch_sentences_count"]
    check(batches >= len(DEPTH_OPTIONS), "%d option sets in %d batches" % (len(DEPTH_OPTIONS),
                                                                          batches))
    # The n-best entries and a single text carry their own depth and alignment.
    status, _, body = server.translate(dict(text=lines[0], beam=3, nbest=2,
                                            **request_options("learned", 0.5)))
    check(status == 200 and len(body["translations"]) == 2, "nbest: %d %s" % (status, body))
    for t in body["translations"]:
        check_alignment(lines[0], t)
    check(server.stop() == 0, "exit status")


def wait_for_queue(server, gauge, value):
    """Waits until the queue gauge of /metrics shows `value` (requests arrived)."""
    deadline = time.time() + 60
    while server.metrics()[gauge] != value:
        check(time.time() < deadline, "%s never reached %d" % (gauge, value))
        time.sleep(0.02)


def expect_error(server, status, method, path, body, words, headers=None):
    got, head, data = server.request(method, path, body, headers=headers)
    check(got == status, "%s %s %r: status %d, want %d (%r)" % (method, path, body, got,
                                                               status, data))
    parsed = json.loads(data)
    check(parsed["status"] == status and isinstance(parsed["error"], str),
          "error body %r" % parsed)
    for word in words:
        check(word in parsed["error"], "%r does not name %r" % (parsed["error"], word))
    return head


def case_errors():
    server = Server("--max-input-tokens", "5", "--max-body-bytes", "2000")
    T = "/v1/translate"
    expect_error(server, 400, "POST", T, "{\"text\": ", ["invalid JSON"])
    expect_error(server, 400, "POST", T, "[1, 2]", ["object"])
    expect_error(server, 400, "POST", T, {"text": 5}, ["'text'"])
    expect_error(server, 400, "POST", T, {"texts": "a b"}, ["'texts'"])
    expect_error(server, 400, "POST", T, {"texts": ["a", 3]}, ["texts[1]"])
    expect_error(server, 400, "POST", T, {"text": "a", "texts": ["a"]}, ["exactly one"])
    expect_error(server, 400, "POST", T, {}, ["exactly one"])
    expect_error(server, 400, "POST", T, {"text": "a", "beam": "2"}, ["'beam'"])
    expect_error(server, 400, "POST", T, {"text": "a", "beam": 0}, ["'beam'"])
    expect_error(server, 400, "POST", T, {"text": "a", "beam": 1.5}, ["'beam'"])
    expect_error(server, 400, "POST", T, {"text": "a", "nbest": True}, ["'nbest'"])
    expect_error(server, 400, "POST", T, {"text": "a", "beam": 2, "nbest": 3}, ["nbest"])
    expect_error(server, 400, "POST", T, {"text": "a", "length_penalty": "x"},
                 ["'length_penalty'"])
    expect_error(server, 400, "POST", T, {"text": "a", "length_penalty": -1}, ["length_penalty"])
    expect_error(server, 400, "POST", T, {"text": "a", "colour": 1}, ["'colour'"])
    expect_error(server, 400, "POST", T, {"text": "a", "depth_policy": "deep"},
                 ["'depth_policy'", "fixed, length or learned", "deep"])
    expect_error(server, 400, "POST", T, {"text": "a", "depth_policy": 2}, ["'depth_policy'"])
    expect_error(server, 400, "POST", T, {"text": "a", "exit_threshold": 1.5},
                 ["'exit_threshold'", "[0, 1]"])
    expect_error(server, 400, "POST", T, {"text": "a", "exit_threshold": -0.1},
                 ["'exit_threshold'"])
    expect_error(server, 400, "POST", T, {"text": "a", "exit_threshold": "0.5"},
                 ["'exit_threshold'"])
    expect_error(server, 400, "POST", T, {"text": "a", "alignment": "yes"}, ["'alignment'"])
    expect_error(server, 400, "POST", T, {"text": "a", "alignment": 1}, ["'alignment'"])
    # The toy model has no halting units: what needs them is refused up front.
    expect_error(server, 400, "POST", T, {"text": "a", "depth_policy": "learned"},
                 ["depth_policy 'learned'", "adaptive_depth"])
    expect_error(server, 400, "POST", T, {"text": "a", "exit_threshold": 0.5},
                 ["exit_threshold", "adaptive_depth"])
    expect_error(server, 400, "POST", T, b'{"text": "\xff\xfe"}', ["UTF-8"])
    expect_error(server, 400, "POST", T, b'{"text": "\xed\xa0\x80"}', ["UTF-8"])
    expect_error(server, 413, "POST", T, {"text": "a b c d e f"}, ["--max-input-tokens 5"])
    expect_error(server, 413, "POST", T, {"texts": ["a", "a b c d e f g"]},
                 ["texts[1]", "--max-input-tokens 5"])
    expect_error(server, 413, "POST", T, {"text": "a " * 2000}, ["--max-body-bytes"])
    expect_error(server, 404, "GET", "/no/such/route", None, ["/no/such/route"])
    expect_error(server, 404, "POST", "/v2/translate", {"text": "a"}, ["/v2/translate"])
    head = expect_error(server, 405, "GET", T, None, ["GET"])
    check(head.get("Allow") == "POST", "Allow header %r" % head)
    expect_error(server, 405, "DELETE", "/health", None, ["DELETE"])
    expect_error(server, 405, "POST", "/metrics", "x", ["POST"])
    expect_error(server, 415, "POST", T, b"--b\r\n\r\nx\r\n--b--\r\n", ["multipart"],
                 headers={"Content-Type": "multipart/form-data; boundary=b"})
    # Still serving after all that.
    status, _, body = server.translate({"text": "a b"})
    check(status == 200, "after errors: %d %s" % (status, body))
    check(server.stop() == 0, "exit status")

    # 429 (queue full) and 504 (deadline): the first request waits in the queue
    # (--max-delay-ms 6000) past its 1500 ms deadline; the second finds the queue full.
    server = Server("--max-queue", "1", "--max-delay-ms", "6000", "--timeout-ms", "1500")
    first = []
    thread = threading.Thread(target=lambda: first.append(server.translate({"text": "a b"})))
    thread.start()
    wait_for_queue(server, "swt_queue_requests", 1)
    head = expect_error(server, 429, "POST", T, {"text": "b c"}, ["--max-queue 1"])
    check(head.get("Retry-After") == "1", "Retry-After %r" % head)
    thread.join(30)
    status, _, body = first[0]
    check(status == 504 and "--timeout-ms 1500" in body["error"], "504: %d %s" % (status, body))
    check(server.stop() == 0, "exit status")


def case_metrics():
    server = Server()
    before = server.metrics()
    lines = source_lines(5)
    for line in lines:
        status, _, _ = server.translate({"text": line})
        check(status == 200, "translate")
    server.translate({"texts": lines, "beam": 2, "nbest": 2})
    server.request("GET", "/nowhere")
    server.request("POST", "/v1/translate", "not json")
    after = server.metrics()

    def moved(name):
        return after.get(name, 0) - before.get(name, 0)

    ok = 'swt_http_requests_total{route="/v1/translate",status="200"}'
    check(moved(ok) == 6, "200 counter moved by %s" % moved(ok))
    check(moved('swt_http_requests_total{route="/v1/translate",status="400"}') == 1, "400")
    check(moved('swt_http_requests_total{route="other",status="404"}') == 1, "404")
    check(moved("swt_sentences_in_total") == 10, "sentences in %s" % moved("swt_sentences_in_total"))
    tokens = sum(len(line.split()) for line in lines) * 2
    check(moved("swt_tokens_in_total") == tokens, "tokens in %s != %d" %
          (moved("swt_tokens_in_total"), tokens))
    check(moved("swt_sentences_out_total") == 15, "sentences out")
    check(moved("swt_tokens_out_total") > 0, "tokens out")
    check(moved("swt_translate_latency_seconds_count") == 6, "latency histogram")
    check(moved("swt_batch_sentences_count") >= 2, "batch histogram")
    check(after['swt_batch_sentences_bucket{le="+Inf"}'] == after["swt_batch_sentences_count"],
          "+Inf bucket")
    check(after["swt_queue_requests"] == 0, "queue depth gauge")
    check(server.metrics()['swt_http_requests_total{route="/metrics",status="200"}'] >= 2,
          "/metrics counted")
    check(server.stop() == 0, "exit status")


def case_shutdown():
    for sig in (signal.SIGTERM, signal.SIGINT):
        lines = source_lines(8, offset=200)
        expected = swt_translate(lines)
        # The batch would wait 20 s; the signal starts it at once.
        server = Server("--max-delay-ms", "20000", "--max-batch-tokens", "100000")
        results = [None] * len(lines)

        def client(i):
            try:
                results[i] = server.translate({"text": lines[i]})
            except Exception as e:
                results[i] = (None, None, repr(e))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(lines))]
        for t in threads:
            t.start()
        wait_for_queue(server, "swt_queue_requests", len(lines))
        start = time.time()
        code = server.stop(sig, bound=15)
        for t in threads:
            t.join(30)
        check(code == 0, "exit status %s after %s (stderr %s)" % (code, sig, server.stderr()))
        for i, (status, _, body) in enumerate(results):
            check(status == 200 and body["translations"][0]["text"] == expected[i],
                  "in-flight request %d after %s: %s %s" % (i, sig, status, body))
        print("%s: exit 0 after %.2f s, %d in-flight requests answered" %
              (sig.name, time.time() - start, len(lines)))
        try:
            server.request("GET", "/health", timeout=5)
            fail("still accepting after %s" % sig)
        except (ConnectionError, OSError):
            pass


def case_cli():
    def one_line_error(args, words):
        r = subprocess.run([SWT, "serve", *args], capture_output=True, text=True, timeout=60)
        lines = r.stderr.strip().splitlines()
        check(r.returncode == 1, "%s: exit %d" % (args, r.returncode))
        check(len(lines) == 1 and lines[0].startswith("error:"), "%s: stderr %r" % (args, r.stderr))
        for word in words:
            check(word in lines[0], "%s: %r does not name %r" % (args, lines[0], word))
        check(r.stdout == "", "%s: stdout %r" % (args, r.stdout))

    m = ["--model", MODEL]
    one_line_error(m + ["--port", "70000"], ["--port"])
    one_line_error(m + ["--port", "-1"], ["--port"])
    one_line_error(m + ["--threads", "-2"], ["--threads"])
    one_line_error(m + ["--beam", "0"], ["--beam"])
    one_line_error(m + ["--max-batch-tokens", "0"], ["--max-batch-tokens"])
    one_line_error(m + ["--max-delay-ms", "x"], ["--max-delay-ms"])
    one_line_error(m + ["--max-queue", "0"], ["--max-queue"])
    one_line_error(m + ["--max-input-tokens", "-1"], ["--max-input-tokens"])
    one_line_error(m + ["--timeout-ms", "0"], ["--timeout-ms"])
    one_line_error(m + ["--http-threads", "0"], ["--http-threads"])
    one_line_error(m + ["--length-penalty", "-1"], ["--length-penalty"])
    one_line_error(["--model", os.path.join(WORK, "missing")], ["missing"])
    one_line_error([], ["--model"])
    server = Server()
    one_line_error(m + ["--port", str(server.port)], [str(server.port)])
    check(server.stop() == 0, "exit status")


def case_curl():
    curl = shutil.which("curl")
    if not curl:
        print("curl not installed: skipped")
        return
    server = Server()
    line = source_lines(1)[0]
    expected = swt_translate([line])
    out = subprocess.run([curl, "-s", "-X", "POST", server.url + "/v1/translate", "-H",
                          "Content-Type: application/json", "-d", json.dumps({"text": line})],
                         check=True, capture_output=True, text=True).stdout
    check(json.loads(out)["translations"][0]["text"] == expected[0], "curl translate %r" % out)
    code = subprocess.run([curl, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                           server.url + "/nope"], capture_output=True, text=True).stdout
    check(code == "404", "curl 404: %r" % code)
    out = subprocess.run([curl, "-s", server.url + "/metrics"], capture_output=True,
                         text=True).stdout
    check(re.search(r"^swt_http_requests_total\{route=\"/v1/translate\",status=\"200\"\} 1$",
                    out, re.M), "curl metrics")
    check(server.stop() == 0, "exit status")


CASES = {"outputs": case_outputs, "concurrency": case_concurrency, "split": case_split,
         "depth": case_depth, "errors": case_errors,
         "metrics": case_metrics, "shutdown": case_shutdown, "cli": case_cli, "curl": case_curl}
CASES[CASE]()
print("ok: " + CASE)
