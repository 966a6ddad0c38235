// GET / of `swt serve`: a self-contained page (no external assets) that
// posts to /v1/translate. `/?text=...` (lines separated by %0A; optional
// `&beam=N`) fills the box and translates at once: a link to a translation,
// and what tests/serve/page_test.py loads in headless Chromium.
#pragma once

namespace swt::serve {

inline constexpr const char* kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>swt serve</title>
<style>
body { font-family: sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; }
textarea { width: 100%; height: 8em; font-size: 1em; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: 0.5em; min-height: 2em; }
.error { color: #a00; }
</style>
</head>
<body>
<h1>swt serve</h1>
<p>One sentence per line.</p>
<textarea id="input"></textarea>
<p>
<label>beam <input id="beam" type="number" min="1" max="64" value="5"></label>
<button id="go">Translate</button>
<span id="info"></span>
</p>
<pre id="output"></pre>
<script>
document.getElementById('go').onclick = async function () {
  const out = document.getElementById('output'), info = document.getElementById('info');
  const texts = document.getElementById('input').value.split('\n');
  const beam = parseInt(document.getElementById('beam').value, 10);
  out.className = '';
  out.textContent = '...';
  try {
    const r = await fetch('/v1/translate', {method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({texts: texts, beam: beam})});
    const j = await r.json();
    if (!r.ok) { out.className = 'error'; out.textContent = j.error; return; }
    out.textContent = j.translations.map(function (t) { return t.text; }).join('\n');
    info.textContent = j.elapsed_ms.toFixed(1) + ' ms';
  } catch (e) {
    out.className = 'error';
    out.textContent = String(e);
  }
};
const query = new URLSearchParams(window.location.search);
if (query.has('text')) {
  document.getElementById('input').value = query.get('text');
  if (query.has('beam')) document.getElementById('beam').value = query.get('beam');
  document.getElementById('go').click();
}
</script>
</body>
</html>
)HTML";

}  // namespace swt::serve
