#!/usr/bin/python3
"""Load benchmark of `swt serve` (bench/serve.sh runs it; standard library only).

Client threads each send one sentence per request ({"text": ...}, one HTTP
keep-alive connection per thread), the next sentence of the input file each
time, for --duration seconds per concurrency level. Per level: sentences/s,
p50/p99 latency, errors; the server's RSS at start, every --rss-every seconds
during each level (min and max per level) and after it; and,
in the same run, `swt translate`'s offline throughput on the same sentences
with the same beam and threads (--offline-repeats runs, median).
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def offline(args, sentences_file, count):
    """swt translate's sentences/s, without its start (the model load: the
    median time of the same command on an empty input is subtracted)."""
    # A real file, not /dev/null: swt writes --output atomically (temp file,
    # rename), which as root would replace /dev/null with a regular file.
    output = sentences_file + ".out"

    def run(path):
        start = time.monotonic()
        subprocess.run([args.swt, "translate", "--model", args.model, "--input", path,
                        "--output", output, "--beam", str(args.beam),
                        "--threads", str(args.threads)],
                       check=True, stderr=subprocess.DEVNULL)
        return time.monotonic() - start
    empty = sentences_file + ".empty"
    open(empty, "w").close()
    load = statistics.median(run(empty) for _ in range(3))
    os.unlink(empty)
    times = [run(sentences_file) for _ in range(args.offline_repeats)]
    os.unlink(output)
    return count / (statistics.median(times) - load), times, load


class Load:
    def __init__(self, host, port, sentences, beam):
        self.host, self.port = host, port
        self.sentences, self.beam = sentences, beam
        self.lock = threading.Lock()
        self.next = 0

    def take(self):
        with self.lock:
            s = self.sentences[self.next % len(self.sentences)]
            self.next += 1
            return s

    def client(self, stop_at, latencies, errors):
        conn = None
        while time.monotonic() < stop_at:
            body = json.dumps({"text": self.take(), "beam": self.beam}).encode("utf-8")
            start = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                conn.request("POST", "/v1/translate", body=body,
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                if response.status != 200:
                    errors.append("HTTP %d %s" % (response.status, data[:100]))
                    continue
                json.loads(data)["translations"][0]["text"]
                latencies.append(time.monotonic() - start)
            except Exception as e:  # noqa: BLE001 -- every failure counts as an error
                errors.append("%s: %s" % (type(e).__name__, e))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def run(self, clients, duration, on_tick=None):
        """Runs `clients` threads for `duration` s; calls on_tick() every
        --rss-every seconds meanwhile (the server's memory over the run)."""
        per_thread = [([], []) for _ in range(clients)]
        start = time.monotonic()
        stop_at = start + duration
        threads = [threading.Thread(target=self.client, args=(stop_at, lat, err))
                   for lat, err in per_thread]
        for t in threads:
            t.start()
        while on_tick and threads[0].is_alive():
            threads[0].join(on_tick.every)
            on_tick()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        latencies = [x for lat, _ in per_thread for x in lat]
        errors = [x for _, err in per_thread for x in err]
        return len(latencies) / elapsed, latencies, errors, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--swt", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--clients", default="1,8,64")
    parser.add_argument("--duration", type=float, default=60, help="seconds at the last level")
    parser.add_argument("--short-duration", type=float, default=20,
                        help="seconds at the other levels")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--offline-repeats", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=0,
                        help="use only the first N input lines (0 = all)")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--server-args", default="", help="more `swt serve` options")
    parser.add_argument("--rss-every", type=float, default=10,
                        help="seconds between samples of the server's RSS during each level")
    args = parser.parse_args()

    with open(args.input, encoding="utf-8") as f:
        sentences = [line.rstrip("\n") for line in f]
    if args.sentences:
        sentences = sentences[:args.sentences]
    levels = [int(c) for c in args.clients.split(",")]
    import tempfile
    subset = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".src", delete=False)
    subset.write("".join(s + "\n" for s in sentences))
    subset.close()

    print("offline: swt translate --beam %d --threads %d on %d sentences (%d runs) ..."
          % (args.beam, args.threads, len(sentences), args.offline_repeats), flush=True)
    offline_sps, offline_times, load = offline(args, subset.name, len(sentences))
    os.unlink(subset.name)
    print("offline: %.1f sentences/s (runs: %s s, less %.2f s to start and load the model)"
          % (offline_sps, ", ".join("%.1f" % t for t in offline_times), load), flush=True)

    server = subprocess.Popen(
        [args.swt, "serve", "--model", args.model, "--port", "0", "--threads", str(args.threads),
         "--beam", str(args.beam), *args.server_args.split()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = {"offline_sentences_per_s": offline_sps, "offline_seconds": offline_times,
               "offline_load_seconds": load,
               "sentences": len(sentences), "beam": args.beam, "threads": args.threads,
               "levels": []}
    try:
        url = server.stdout.readline().strip()
        if not url.startswith("http://"):
            sys.exit("server did not start: %r %s" % (url, server.stderr.read()))
        parsed = urllib.parse.urlparse(url)
        load = Load(parsed.hostname, parsed.port, sentences, args.beam)
        rss_start = rss_mib(server.pid)
        results["rss_mib_start"] = rss_start
        print("server %s, RSS at start %.0f MiB" % (url, rss_start), flush=True)
        load.run(min(8, levels[-1]), 3)  # warm-up, not counted
        print("%7s %8s %12s %9s %9s %7s %8s %9s" % ("clients", "seconds", "sentences/s",
              "p50 ms", "p99 ms", "errors", "RSS MiB", "/offline"), flush=True)
        results["rss_samples"] = []  # [seconds since the server started, clients, MiB]
        started = time.monotonic()
        for i, clients in enumerate(levels):
            duration = args.duration if i == len(levels) - 1 else args.short_duration

            def sample(clients=clients):
                results["rss_samples"].append(
                    [round(time.monotonic() - started, 1), clients, rss_mib(server.pid)])
            sample.every = args.rss_every
            first = len(results["rss_samples"])
            sps, latencies, errors, elapsed = load.run(clients, duration, sample)
            rss = rss_mib(server.pid)
            samples = [m for _, _, m in results["rss_samples"][first:]]
            level = {"clients": clients, "seconds": elapsed, "sentences_per_s": sps,
                     "requests": len(latencies), "p50_ms": 1000 * percentile(latencies, 50),
                     "p99_ms": 1000 * percentile(latencies, 99), "errors": len(errors),
                     "error_samples": sorted(set(errors))[:5], "rss_mib": rss,
                     "rss_mib_min": min(samples, default=rss),
                     "rss_mib_max": max(samples, default=rss),
                     "ratio_to_offline": sps / offline_sps}
            results["levels"].append(level)
            print("%7d %8.1f %12.1f %9.1f %9.1f %7d %8.0f %9.2f" % (
                clients, elapsed, sps, level["p50_ms"], level["p99_ms"], len(errors), rss,
                level["ratio_to_offline"]), flush=True)
            for e in level["error_samples"]:
                print("  error: " + e)
        results["rss_mib_end"] = rss_mib(server.pid)
        print("server RSS: start %.0f MiB, end %.0f MiB" % (rss_start, results["rss_mib_end"]))
        for level in results["levels"]:
            print("  %d clients: RSS every %g s between %.0f and %.0f MiB" % (
                level["clients"], args.rss_every, level["rss_mib_min"], level["rss_mib_max"]))
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if all(level["errors"] == 0 for level in results["levels"]) else 1


if __name__ == "__main__":
    sys.exit(main())
