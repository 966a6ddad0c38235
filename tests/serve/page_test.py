#!/usr/bin/python3
"""The page at `/` of `swt serve` in headless Chromium (Debian package `chromium`).

Usage: page_test.py SWT MODEL_DIR SOURCE_FILE WORK_DIR

MODEL_DIR is an adaptive-depth model (tests/serve/make_adaptive_model.sh).
Starts the server, loads `/?text=...&depth_policy=learned&exit_threshold=0.5`
(the page fills its form from the query string and translates at once) with
--dump-dom and checks that the page shows the translations the API returns,
one alignment heat map per sentence (a cell per target and source token) and
each target token's decoder depth as the API gives it; then saves a
screenshot, WORK_DIR/page.png. Exits 77 (ctest: skipped) when Chromium is not
installed.
"""
import html
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse

SWT, MODEL, SOURCE, WORK = sys.argv[1:5]
os.makedirs(WORK, exist_ok=True)


def check_details(dom, translations):
    """The heat maps and depth bars of the page against the API's answer;
    returns what is wrong, or None."""
    tables = re.findall(r'<table class="heatmap">(.*?)</table>', dom, re.S)
    if len(tables) != len(translations):
        return "%d heat maps for %d sentences" % (len(tables), len(translations))
    layers_seen = set()
    for i, (table, t) in enumerate(zip(tables, translations)):
        a = t["alignment"]
        sources = [html.unescape(x) for x in re.findall(r'<th class="src">(.*?)</th>', table)]
        targets = [html.unescape(x) for x in re.findall(r'<th class="tgt">(.*?)</th>', table)]
        if sources != a["source"] or targets != a["target"]:
            return "heat map %d labels %r x %r, the API's %r x %r" % (
                i, targets, sources, a["target"], a["source"])
        cells = re.findall(r'<td class="w" data-w="([^"]+)"', table)
        weights = [w for row in a["weights"] for w in row]
        if len(cells) != len(weights) or any(abs(float(c) - w) > 1e-3
                                             for c, w in zip(cells, weights)):
            return "heat map %d cells %r, the API's weights %r" % (i, cells, weights)
        depths = re.findall(r'<span class="layers">(\d+)/(\d+)</span>', table)
        if [int(d) for d, _ in depths] != t["depth"]["decoder"]:
            return "depth bars %d show %r, the API %r" % (i, depths, t["depth"]["decoder"])
        layers_seen.update(int(d) for d, _ in depths)
    print("heat maps and depth bars of %d sentences match the API (decoder layers used: %s)"
          % (len(tables), sorted(layers_seen)))
    return None


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: chromium is not installed (apt-get install chromium)")
        return 77
    with open(SOURCE, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()][:3]

    server = subprocess.Popen([SWT, "serve", "--model", MODEL, "--port", "0", "--threads", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = []
        reader = threading.Thread(target=lambda: first.append(server.stdout.readline()))
        reader.start()
        reader.join(60)
        if not first or not first[0].startswith("http://"):
            print("FAIL: server did not print its URL: %r" % first)
            return 1
        url = first[0].strip().rstrip("/")
        parsed = urllib.parse.urlparse(url)

        options = {"beam": 5, "depth_policy": "learned", "exit_threshold": 0.5}
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        conn.request("POST", "/v1/translate",
                     body=json.dumps(dict(texts=lines, alignment=True, **options)),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        translations = json.loads(response.read())["translations"]
        expected = [t["text"] for t in translations]
        conn.close()

        page = url + "/?" + urllib.parse.urlencode(dict(text="\n".join(lines), **options))
        common = [chromium, "--headless", "--disable-gpu", "--no-sandbox",
                  "--disable-dev-shm-usage", "--no-first-run",
                  "--user-data-dir=" + os.path.join(WORK, "profile"),
                  "--virtual-time-budget=15000"]
        dom = subprocess.run(common + ["--dump-dom", page], capture_output=True, text=True,
                             timeout=180)
        with open(os.path.join(WORK, "dom.html"), "w", encoding="utf-8") as f:
            f.write(dom.stdout)
        m = re.search(r'<pre id="output"[^>]*>(.*?)</pre>', dom.stdout, re.S)
        if dom.returncode != 0 or not m:
            print("FAIL: chromium --dump-dom (status %d) gave no output element; stderr:\n%s"
                  % (dom.returncode, dom.stderr[-3000:]))
            return 1
        shown = html.unescape(m.group(1)).split("\n")
        if shown != expected:
            print("FAIL: the page shows %r, the API returns %r" % (shown, expected))
            return 1
        print("page shows the %d translations: %r" % (len(shown), shown))
        problem = check_details(dom.stdout, translations)
        if problem:
            print("FAIL: " + problem)
            return 1
        # Without the alignment: no heat map cells, the depth bars still there.
        bare = subprocess.run(common + ["--dump-dom", page + "&alignment=0"], capture_output=True,
                              text=True, timeout=180)
        tables = re.findall(r'<table class="heatmap">(.*?)</table>', bare.stdout, re.S)
        depths = [[int(d) for d in re.findall(r'<span class="layers">(\d+)/\d+</span>', table)]
                  for table in tables]
        if '<td class="w"' in bare.stdout or depths != [t["depth"]["decoder"]
                                                        for t in translations]:
            print("FAIL: alignment=0: depth bars %r, the API's %r (or heat map cells shown)"
                  % (depths, [t["depth"]["decoder"] for t in translations]))
            return 1
        print("alignment=0: no heat maps, the depth bars of %d sentences" % len(tables))

        png = os.path.join(WORK, "page.png")
        if os.path.exists(png):
            os.remove(png)
        shot = subprocess.run(common + ["--window-size=1000,1400", "--screenshot=" + png, page],
                              capture_output=True, text=True, timeout=180)
        with open(png, "rb") as f:
            magic = f.read(8) if os.path.exists(png) else b""
        if shot.returncode != 0 or magic != b"\x89PNG\r\n\x1a\n":
            print("FAIL: no screenshot (status %d); stderr:\n%s"
                  % (shot.returncode, shot.stderr[-3000:]))
            return 1
        print("screenshot: %s (%d bytes)" % (png, os.path.getsize(png)))
        return 0
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
