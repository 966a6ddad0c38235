// GET / of `swt serve`: a self-contained page (no external assets) that
// posts to /v1/translate and shows, per sentence, the translation, the
// cross-attention alignment as a heat map (source tokens across, target
// tokens down) and, when the model has adaptive depth, the decoder layers
// each target token used (a bar beside its row). `/?text=...` (lines
// separated by %0A; optional `&beam=N&depth_policy=P&exit_threshold=T&
// alignment=0`) fills the form and translates at once: a link to a
// translation, and what tests/serve/page_test.py loads in headless Chromium.
#pragma once

namespace swt::serve {

inline constexpr const char* kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>swt serve</title>
<style>
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; }
textarea { width: 100%; height: 6em; font-size: 1em; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: 0.5em; min-height: 2em; }
.error { color: #a00; }
.options label { margin-right: 1em; }
.options input[type=number] { width: 5em; }
#model { color: #555; font-size: 0.9em; }
.sentence { margin: 1.5em 0; }
.sentence h3 { font-size: 1em; font-weight: normal; margin: 0.3em 0; }
table.heatmap { border-collapse: collapse; font-size: 0.85em; }
table.heatmap th { font-weight: normal; padding: 0 0.4em; }
table.heatmap thead th { writing-mode: vertical-rl; transform: rotate(180deg);
  text-align: left; padding: 0.4em 0; height: 6em; }
table.heatmap th.tgt { text-align: right; }
table.heatmap td.w { width: 1.6em; height: 1.6em; border: 1px solid #fff; }
td.depth { padding-left: 0.6em; white-space: nowrap; }
td.depth .bar { display: inline-block; height: 0.9em; background: #d08a20;
  vertical-align: middle; margin-right: 0.3em; }
.note { color: #555; font-size: 0.9em; }
</style>
</head>
<body>
<h1>swt serve</h1>
<p id="model"></p>
<p>One sentence per line.</p>
<textarea id="input"></textarea>
<p class="options">
<label>beam <input id="beam" type="number" min="1" max="64" value="5"></label>
<label>depth policy <select id="depth_policy">
<option value="fixed">fixed</option><option value="length">length</option>
<option value="learned">learned</option></select></label>
<label>exit threshold <input id="exit_threshold" type="number" min="0" max="1" step="0.05"
  placeholder="none"></label>
<label><input id="alignment" type="checkbox" checked> alignment</label>
<button id="go">Translate</button>
<span id="info"></span>
</p>
<pre id="output"></pre>
<div id="details"></div>
<script>
const $ = function (id) { return document.getElementById(id); };
let model = {adaptive: false, decoder_layers: 0};
const modelLoaded = fetch('/v1/model').then(function (r) { return r.json(); }).then(function (m) {
  model.adaptive = !!(m.adaptive_depth && m.adaptive_depth.adaptive);
  model.decoder_layers = m.decoder_layers;
  $('model').textContent = m.attention + ' attention, ' + m.encoder_layers + ' encoder / ' +
    m.decoder_layers + ' decoder layers' + (model.adaptive ? ', adaptive depth' : '') +
    (m.int8 ? ', int8' : '');
}).catch(function () {});

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// One sentence: its translation, the heat map (rows: target tokens, columns:
// source tokens) and, on an adaptive model, a depth bar per target token
// (rows numbered when the alignment, and so the tokens, was not asked for).
function sentence(i, source, t) {
  const box = el('div', 'sentence');
  box.appendChild(el('h3', '', (i + 1) + '. ' + source + '  \u2192  ' + t.text));
  const a = t.alignment && t.alignment.target.length ? t.alignment : null;
  const depths = model.adaptive && t.depth ? t.depth.decoder : [];
  if (!a && depths.length === 0) return box;
  const rows = a ? a.target : depths.map(function (d, r) {
    return r + 1 < depths.length ? String(r + 1) : '</s>';
  });
  const table = el('table', 'heatmap');
  const head = el('tr');
  head.appendChild(el('th'));
  if (a) a.source.forEach(function (s) { head.appendChild(el('th', 'src', s)); });
  if (depths.length) head.appendChild(el('th', 'depthhead', 'decoder layers'));
  table.appendChild(el('thead')).appendChild(head);
  const body = table.appendChild(el('tbody'));
  rows.forEach(function (word, r) {
    const row = el('tr');
    row.appendChild(el('th', 'tgt', word));
    if (a) a.weights[r].forEach(function (w, c) {
      const cell = el('td', 'w');
      cell.dataset.w = w;
      cell.style.background = 'rgba(25, 80, 190, ' + w + ')';
      cell.title = word + ' \u2190 ' + a.source[c] + ': ' + w.toFixed(3);
      row.appendChild(cell);
    });
    if (depths.length) {
      const d = depths[r], cell = el('td', 'depth');
      const bar = el('span', 'bar');
      bar.style.width = (4 * d / Math.max(1, model.decoder_layers)) + 'em';
      cell.appendChild(bar);
      cell.appendChild(el('span', 'layers', d + '/' + model.decoder_layers));
      row.appendChild(cell);
    }
    body.appendChild(row);
  });
  box.appendChild(table);
  if (depths.length) box.appendChild(el('p', 'note', 'encoder layers: ' + t.depth.encoder));
  return box;
}

$('go').onclick = async function () {
  const out = $('output'), info = $('info'), details = $('details');
  const texts = $('input').value.split('\n');
  const request = {texts: texts, beam: parseInt($('beam').value, 10),
                   depth_policy: $('depth_policy').value, alignment: $('alignment').checked};
  if ($('exit_threshold').value !== '') request.exit_threshold = parseFloat($('exit_threshold').value);
  out.className = '';
  out.textContent = '...';
  details.textContent = '';
  try {
    await modelLoaded;
    const r = await fetch('/v1/translate', {method: 'POST',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(request)});
    const j = await r.json();
    if (!r.ok) { out.className = 'error'; out.textContent = j.error; return; }
    out.textContent = j.translations.map(function (t) { return t.text; }).join('\n');
    info.textContent = j.elapsed_ms.toFixed(1) + ' ms';
    j.translations.forEach(function (t, i) {
      if (texts[i] !== '') details.appendChild(sentence(i, texts[i], t));
    });
  } catch (e) {
    out.className = 'error';
    out.textContent = String(e);
  }
};
const query = new URLSearchParams(window.location.search);
if (query.has('text')) {
  $('input').value = query.get('text');
  ['beam', 'depth_policy', 'exit_threshold'].forEach(function (name) {
    if (query.has(name)) $(name).value = query.get(name);
  });
  if (query.has('alignment')) $('alignment').checked = query.get('alignment') !== '0';
  $('go').click();
}
</script>
</body>
</html>
)HTML";

}  // namespace swt::serve
