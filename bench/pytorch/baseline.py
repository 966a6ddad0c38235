"""The PyTorch side of bench/compare.sh: an idiomatic eager-mode baseline.

Training: the swt_reference Transformer (the article's MultiHeadAttention and
FeedForward) in train mode, Adam, label smoothing 0.1 (F.cross_entropy),
gradient clipping, inverse-square-root learning rate -- the hyper-parameters
of `swt train` -- on exactly the batches `swt train` makes (the batcher of
src/data/batcher.cpp, with its mt19937_64 shuffle, is re-implemented here and
fed the same token ids, see encode_corpus).

Decoding: torch.inference_mode(), incremental decoding with a key/value
cache, greedy search and batched beam search with the search rules of
src/decode/search.cpp (finished sentences leave the batch), on weights
written by `swt export`.

Also: the analytic FLOP count of a batch (flops_*) and the sgemm peak.
"""

import ctypes
import math
import statistics
import subprocess
import time

import torch
import torch.nn.functional as F

from swt_reference import PAD_ID, sinusoidal_positions

UNK_ID, BOS_ID, EOS_ID = 1, 2, 3
MASK64 = (1 << 64) - 1


# --- Same token ids as swt ---------------------------------------------------


def read_vocab(path):
    """token -> id from a `token<TAB>count` file (ids are line numbers)."""
    with open(path, encoding="utf-8") as f:
        tokens = [line.rstrip("\n").split("\t")[0] for line in f]
    return {t: i for i, t in enumerate(tokens)}, tokens


def read_lines(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip("\n").rstrip("\r") for line in f]


def swt_tokenize(swt, lines, nfkc=False):
    """Token lists of `lines`, tokenized by `swt tokenize` (swt's own tokenizer)."""
    cmd = [swt, "tokenize"] + (["--nfkc"] if nfkc else [])
    out = subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True,
                         text=True, encoding="utf-8", check=True).stdout
    result = [l.split() for l in out.split("\n")[: len(lines)]]
    if len(result) != len(lines):
        raise RuntimeError(f"swt tokenize returned {len(result)} lines for {len(lines)}")
    return result


def strip_prefix(lines, prefix):
    return [l[len(prefix):] if prefix and l.startswith(prefix) else l for l in lines]


def encode_corpus(swt, src_path, tgt_path, vocab, prefix, max_length, nfkc=False):
    """(src ids, tgt ids) of the pairs `swt train` keeps (src/train/training_data.cpp):
    no </s> yet; pairs with an empty side or more than max_length tokens are skipped."""
    src_tok = swt_tokenize(swt, strip_prefix(read_lines(src_path), prefix), nfkc)
    tgt_tok = swt_tokenize(swt, read_lines(tgt_path), nfkc)
    src, tgt = [], []
    for s, t in zip(src_tok, tgt_tok):
        if not s or not t or (max_length > 0 and max(len(s), len(t)) > max_length):
            continue
        src.append([vocab.get(w, UNK_ID) for w in s])
        tgt.append([vocab.get(w, UNK_ID) for w in t])
    return src, tgt


# --- swt's batcher (src/data/batcher.cpp) ------------------------------------


class MT19937_64:
    """std::mt19937_64, so that the batches are swt's, in swt's order."""

    def __init__(self, seed):
        self.mt = [0] * 312
        self.mt[0] = seed & MASK64
        for i in range(1, 312):
            prev = self.mt[i - 1]
            self.mt[i] = (6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK64
        self.index = 312

    def _twist(self):
        mt, upper, lower = self.mt, 0xFFFFFFFF80000000, 0x7FFFFFFF
        for i in range(312):
            y = (mt[i] & upper) | (mt[(i + 1) % 312] & lower)
            v = mt[(i + 156) % 312] ^ (y >> 1)
            mt[i] = v ^ 0xB5026F5AA96619E9 if y & 1 else v
        self.index = 0

    def __call__(self):
        if self.index >= 312:
            self._twist()
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & MASK64


def _shuffle(v, rng):
    for i in range(len(v), 1, -1):
        j = rng() % i
        v[i - 1], v[j] = v[j], v[i - 1]


def epoch_batches(lengths, batch_tokens, seed, epoch):
    """data::make_epoch_batches: lengths are (src + 1, tgt + 1) per pair."""
    rng = MT19937_64(seed * 1000003 + epoch)
    order = list(range(len(lengths)))
    _shuffle(order, rng)
    order.sort(key=lambda i: max(lengths[i]))  # stable, as std::stable_sort
    batches, current, longest = [], [], 0
    for i in order:
        n = max(lengths[i])
        if current and max(longest, n) * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, n)
    if current:
        batches.append(current)
    _shuffle(batches, rng)
    return batches


def training_batches(src, tgt, batch_tokens, seed, steps):
    """The first `steps` batches of `swt train` (accumulate = 1: one batch a step)."""
    lengths = [(len(s) + 1, len(t) + 1) for s, t in zip(src, tgt)]
    out, epoch = [], 0
    while len(out) < steps:
        out += epoch_batches(lengths, batch_tokens, seed, epoch)
        epoch += 1
    return out[:steps]


def make_batch(src, tgt, batch):
    """train::make_batch: (src, tgt_in, tgt_out) padded with 0."""
    s_len = max(len(src[i]) for i in batch) + 1
    t_len = max(len(tgt[i]) for i in batch) + 1
    s = torch.zeros(len(batch), s_len, dtype=torch.long)
    tin = torch.zeros(len(batch), t_len, dtype=torch.long)
    tout = torch.zeros(len(batch), t_len, dtype=torch.long)
    for r, i in enumerate(batch):
        x, y = src[i], tgt[i]
        s[r, : len(x)] = torch.tensor(x)
        s[r, len(x)] = EOS_ID
        tin[r, 0] = BOS_ID
        tin[r, 1 : len(y) + 1] = torch.tensor(y)
        tout[r, : len(y)] = torch.tensor(y)
        tout[r, len(y)] = EOS_ID
    return s, tin, tout


def batch_tokens_counted(src, tgt, batch):
    """What swt's tokens_per_s counts: source (+ </s>) plus target (+ </s>) tokens."""
    return sum(len(src[i]) + 1 + len(tgt[i]) + 1 for i in batch)


# --- FLOPs -------------------------------------------------------------------


def pair_macs(c, s, t):
    """Multiply-accumulates of one forward pass over one sentence pair with s source
    positions (incl. </s>) and t target positions (incl. <s>); see bench/README.md."""
    d, f, v = c["d_model"], c["d_ff"], c["tgt_vocab_size"]
    enc = c["encoder_layers"] * (s * (4 * d * d + 2 * d * f) + 2 * s * s * d)
    dec = c["decoder_layers"] * (
        t * (4 * d * d + 2 * d * d + 2 * d * f)  # self q,k,v,o; cross q,o; FFN
        + s * 2 * d * d  # cross-attention keys and values of the memory
        + 2 * t * t * d  # self-attention scores and weighted sum (full t x t)
        + 2 * t * s * d  # cross-attention scores and weighted sum
    )
    return enc + dec + t * d * v  # + output projection


def train_flops(c, src, tgt, batch):
    """Training FLOPs of a batch: 3 passes (forward, 2x backward) x 2 FLOPs per MAC."""
    return 6 * sum(pair_macs(c, len(src[i]) + 1, len(tgt[i]) + 1) for i in batch)


def set_threads(threads):
    """torch.set_num_threads, and the same for OpenBLAS, which it does not reach
    (as `swt --threads` does: both sides run the same number of BLAS threads)."""
    torch.set_num_threads(threads)
    try:
        blas = ctypes.CDLL("libblas.so.3")
        if hasattr(blas, "openblas_set_num_threads"):
            blas.openblas_set_num_threads(threads)
    except OSError:
        pass


def sgemm_peak(threads, n=2048, repeats=5):
    """Best FLOP/s of torch.mm on n x n float32 matrices."""
    set_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best


# --- Training ----------------------------------------------------------------


def inverse_sqrt_lr(peak, step, warmup):
    s = max(step, 1)
    return peak * min(s / warmup, math.sqrt(warmup / s)) if warmup > 0 else peak / math.sqrt(s)


def train_throughput(model, src, tgt, batches, log_every, lr=7e-4, warmup=4000,
                     label_smoothing=0.1, clip_norm=1.0):
    """Trains on `batches` (one optimizer step each) as `swt train` does and returns
    tokens/s per window of `log_every` steps (tokens as swt counts them)."""
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98), eps=1e-9)
    rates, losses = [], []
    window_tokens, window_start = 0, time.perf_counter()
    for step, batch in enumerate(batches, start=1):
        s, tin, tout = make_batch(src, tgt, batch)
        logits = model(s, tin)
        target_tokens = int(tout.ne(PAD_ID).sum())
        summed = F.cross_entropy(logits.view(-1, logits.size(-1)), tout.view(-1),
                                 ignore_index=PAD_ID, label_smoothing=label_smoothing,
                                 reduction="sum")
        (summed / target_tokens).backward()
        for group in opt.param_groups:
            group["lr"] = inverse_sqrt_lr(lr, step, warmup)
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(summed.item() / target_tokens)
        window_tokens += target_tokens + int(s.ne(PAD_ID).sum())
        if step % log_every == 0:
            rates.append(window_tokens / (time.perf_counter() - window_start))
            window_tokens, window_start = 0, time.perf_counter()
    return rates, losses


# --- Decoding: incremental, with a key/value cache ----------------------------


class IncrementalDecoder:
    """Step-by-step decoding with the weights of a swt_reference.Transformer.

    State per decoder layer: self-attention keys/values of the tokens so far
    ([rows, H, t, Dh], grown with torch.cat) and the cross-attention keys/values
    of the memory (computed once). `select(index)` reorders/shrinks every row."""

    def __init__(self, model):
        self.m = model
        c = model.config
        self.h, self.d = c["heads"], c["d_model"]
        self.dh = self.d // self.h
        self.scale = 1.0 / math.sqrt(self.dh)
        self.pe = sinusoidal_positions(0, 1024, self.d)
        self.out_w = model.tgt_embed.weight if model.output is None else model.output.weight

    def _heads(self, x):  # [B, T, D] -> [B, H, T, Dh]
        return x.view(x.size(0), -1, self.h, self.dh).transpose(1, 2)

    def start(self, src):
        memory, mask = self.m.encode(src)  # mask [B, 1, S], True = real token
        self.bias = torch.zeros(mask.shape, dtype=memory.dtype).masked_fill(~mask, -math.inf)
        self.bias = self.bias.unsqueeze(1)  # [B, 1, 1, S]
        self.cross = [(self._heads(l.cross_attn.k_linear(memory)),
                       self._heads(l.cross_attn.v_linear(memory))) for l in self.m.decoder]
        self.cache = [None] * len(self.m.decoder)
        self.t = 0

    def select(self, index):
        self.bias = self.bias.index_select(0, index)
        self.cross = [(k.index_select(0, index), v.index_select(0, index)) for k, v in self.cross]
        self.cache = [(k.index_select(0, index), v.index_select(0, index)) for k, v in self.cache]

    def _attend(self, attn, q, k, v, bias=None):
        w = torch.matmul(self._heads(attn.q_linear(q)), k.transpose(-2, -1)) * self.scale
        if bias is not None:
            w = w + bias
        o = torch.matmul(torch.softmax(w, dim=-1), v)
        return attn.fc_out(o.transpose(1, 2).reshape(q.size(0), 1, self.d))

    def step(self, tokens):
        """tokens [rows] (the last token of each row) -> logits [rows, V]."""
        x = self.m.tgt_embed(tokens.unsqueeze(1)) * math.sqrt(self.d) + self.pe[self.t]
        for i, layer in enumerate(self.m.decoder):
            h = layer.ln_self(x)
            sa = layer.self_attn
            k, v = self._heads(sa.k_linear(h)), self._heads(sa.v_linear(h))
            if self.cache[i] is not None:
                k = torch.cat([self.cache[i][0], k], dim=2)
                v = torch.cat([self.cache[i][1], v], dim=2)
            self.cache[i] = (k, v)
            x = x + self._attend(sa, h, k, v)
            ck, cv = self.cross[i]
            x = x + self._attend(layer.cross_attn, layer.ln_cross(x), ck, cv, self.bias)
            x = x + layer.ffn(layer.ln_ffn(x))
        self.t += 1
        return F.linear(self.m.decoder_ln(x[:, 0]), self.out_w)


def max_lengths(src, a, b):
    return (src.ne(PAD_ID).sum(1) * a + b).tolist()


def greedy(dec, src, a, b):
    """Greedy search; a row leaves the batch when it emits </s> or reaches its limit
    (a * source length + b tokens, </s> included). Returns token lists (no </s>)."""
    n = src.size(0)
    limit = max_lengths(src, a, b)
    dec.start(src)
    out = [[] for _ in range(n)]
    rows = list(range(n))  # sentence of each active row
    last = torch.full((n,), BOS_ID, dtype=torch.long)
    while rows:
        logits = dec.step(last)
        logits[:, PAD_ID] = -math.inf
        logits[:, BOS_ID] = -math.inf
        tok = logits.argmax(-1).tolist()
        keep = []
        for r, (i, t) in enumerate(zip(rows, tok)):
            if t == EOS_ID:
                continue
            out[i].append(t)
            if len(out[i]) < limit[i]:
                keep.append(r)
        if len(keep) < len(rows):
            if not keep:
                break
            index = torch.tensor(keep)
            dec.select(index)
            rows = [rows[r] for r in keep]
            last = torch.tensor([tok[r] for r in keep])
        else:
            last = torch.tensor(tok)
    return out


def beam_search(dec, src, beam, a, b, alpha=1.0):
    """Batched beam search, the rules of src/decode/search.cpp: per sentence the
    best 2*beam (beam, token) candidates; </s> candidates ahead of the first
    `beam` others finish (while fewer than `beam` have); the next `beam` others
    live on; at the length limit they all finish. A sentence is done when `beam`
    hypotheses finished or it reached its limit; done sentences leave the batch.
    Scores: log-probability / length^alpha (length counts </s>)."""
    n = src.size(0)
    limit = torch.tensor(max_lengths(src, a, b))
    dec.start(src)
    finished = [[] for _ in range(n)]  # (score, tokens)
    sent = torch.arange(n)  # active sentences
    live = 1  # live beams per active sentence (1 at the first step)
    scores = torch.zeros(n, 1)  # [active, live]
    tokens = torch.zeros(n, 1, 0, dtype=torch.long)  # [active, live, t]
    last = torch.full((n,), BOS_ID, dtype=torch.long)
    t = 0
    while sent.numel():
        lp = torch.log_softmax(dec.step(last), dim=-1)  # [active * live, V]
        lp[:, PAD_ID] = -math.inf
        lp[:, BOS_ID] = -math.inf
        V = lp.size(1)
        na = sent.numel()
        total = (scores.unsqueeze(-1) + lp.view(na, live, V)).view(na, live * V)
        cand_scores, cand = total.topk(2 * beam, dim=1)  # sorted, best first
        cand_beam, cand_tok = cand // V, cand % V
        eos = cand_tok == EOS_ID
        # Candidates seen before `beam` non-</s> ones have been taken.
        before = torch.cumsum((~eos).long(), 1) - (~eos).long()
        eos_taken = eos & (before < beam)
        at_limit = (t + 1) >= limit[sent]  # [na]
        if eos_taken.any():
            for r, j in eos_taken.nonzero().tolist():
                i = int(sent[r])
                if len(finished[i]) < beam:
                    toks = tokens[r, cand_beam[r, j]].tolist()
                    score = float(cand_scores[r, j]) / (len(toks) + 1) ** alpha
                    finished[i].append((score, toks))
        # The first `beam` non-</s> candidates of every sentence.
        rank = eos.long() * (2 * beam) + torch.arange(2 * beam)
        pick = rank.topk(beam, dim=1, largest=False).indices.sort(dim=1).values
        new_beam = cand_beam.gather(1, pick)  # [na, beam]
        new_tok = cand_tok.gather(1, pick)
        new_scores = cand_scores.gather(1, pick)
        new_tokens = torch.cat([tokens.gather(1, new_beam.unsqueeze(-1).expand(-1, -1, t)),
                                new_tok.unsqueeze(-1)], dim=2)
        if at_limit.any():
            for r in at_limit.nonzero().flatten().tolist():
                i = int(sent[r])
                for k in range(beam):
                    toks = new_tokens[r, k].tolist()
                    finished[i].append((float(new_scores[r, k]) / (len(toks) + 1) ** alpha, toks))
        done = at_limit | torch.tensor([len(finished[int(i)]) >= beam for i in sent])
        t += 1
        keep = (~done).nonzero().flatten()
        if keep.numel() == 0:
            break
        # Cache rows: row r * live + parent beam of each kept candidate.
        rows = (keep.unsqueeze(1) * live + new_beam[keep]).flatten()
        dec.select(rows)
        sent, scores, tokens = sent[keep], new_scores[keep], new_tokens[keep]
        last = new_tok[keep].flatten()
        live = beam
    out = []
    for f in finished:
        best = max(range(len(f)), key=lambda k: (f[k][0], -k)) if f else None
        out.append(f[best][1] if f else [])
    return out


def sorted_batches(lengths, batch_size):
    """data::make_sorted_batches(lengths, batch_size, 0), as swt translate uses."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def translate(model, src_ids, beam, batch_size, a, b):
    """Token-id outputs of every sentence of src_ids (lists without </s>), batched as
    swt translate batches them."""
    dec = IncrementalDecoder(model)
    out = [None] * len(src_ids)
    with torch.inference_mode():
        for batch in sorted_batches([len(s) + 1 for s in src_ids], batch_size):
            width = max(len(src_ids[i]) for i in batch) + 1
            src = torch.zeros(len(batch), width, dtype=torch.long)
            for r, i in enumerate(batch):
                src[r, : len(src_ids[i])] = torch.tensor(src_ids[i])
                src[r, len(src_ids[i])] = EOS_ID
            hyps = greedy(dec, src, a, b) if beam == 1 else beam_search(dec, src, beam, a, b)
            for r, i in enumerate(batch):
                out[i] = hyps[r]
    return out


def median(xs):
    return statistics.median(xs) if xs else float("nan")
