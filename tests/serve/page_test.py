#!/usr/bin/python3
"""The page at `/` of `swt serve` in headless Chromium (Debian package `chromium`).

Usage: page_test.py SWT MODEL_DIR SOURCE_FILE WORK_DIR

Starts the server, loads `/?text=...` (the page fills its box from the query
string and translates at once) with --dump-dom and checks that the page shows
the translations the API returns; then saves a screenshot, WORK_DIR/page.png.
Exits 77 (ctest: skipped) when Chromium is not installed.
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


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: chromium is not installed (apt-get install chromium)")
        return 77
    with open(SOURCE, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f][:3]

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

        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        conn.request("POST", "/v1/translate", body=json.dumps({"texts": lines, "beam": 5}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        expected = [t["text"] for t in json.loads(response.read())["translations"]]
        conn.close()

        page = url + "/?" + urllib.parse.urlencode({"text": "\n".join(lines), "beam": 5})
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

        png = os.path.join(WORK, "page.png")
        if os.path.exists(png):
            os.remove(png)
        shot = subprocess.run(common + ["--window-size=1000,700", "--screenshot=" + png, page],
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
