"""The `vanilla` swt model (dense or Switch-MoE feed-forward), written again in plain PyTorch.

A second, independent implementation of the maths in docs/model-format.md,
assembled from the article's MultiHeadAttention and FeedForward classes
(copied unchanged apart from FeedForward's optional GELU). It loads a file
written by `swt export` -- weights plus the config in the safetensors
metadata -- and needs nothing but Debian's python3-torch.

    from swt_reference import load_exported
    model = load_exported("model.safetensors")   # eval mode
    logits = model(src_ids, tgt_in_ids)          # [B, T, V]
"""

import functools
import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_ID = 0  # <pad>; also <unk> = 1, <s> = 2, </s> = 3 (src/text/vocab.h)

_SAFETENSORS_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def read_safetensors(path):
    """Returns ({name: tensor}, metadata) of a safetensors file.

    Layout: u64 little-endian header length, JSON header
    {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
    then the raw little-endian data (offsets relative to its start).
    """
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + header_len])
    data = memoryview(blob)[8 + header_len :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        dtype = _SAFETENSORS_DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        if begin == end:
            tensors[name] = torch.empty(info["shape"], dtype=dtype)
            continue
        # A fresh bytearray per tensor: writable and suitably aligned for its dtype.
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors, metadata


@functools.lru_cache(maxsize=256)
def sinusoidal_positions(offset, length, d_model):
    """[length, d_model] float32 table, computed exactly as src/nn/positional_encoding.cpp:
    PE[p, 2i] = sin(p * exp(2i * -ln(10000) / d)), PE[p, 2i+1] = cos(same angle).
    Cached (as a model would keep it in a buffer): callers must not modify it."""
    pos = torch.arange(offset, offset + length, dtype=torch.float32).unsqueeze(1)
    i = torch.arange(0, d_model, 2, dtype=torch.float32)
    inv_freq = torch.exp(i * (-math.log(10000.0) / d_model))
    angles = pos * inv_freq.unsqueeze(0)
    table = torch.zeros(length, d_model)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles)[:, : d_model // 2]
    return table


# --- The article's building blocks -------------------------------------------


class FeedForward(nn.Module):
    """
    Implements position-wise feedforward sublayer.
    """

    def __init__(self, d_model, d_ff, dropout=0.3, activation="relu"):
        super(FeedForward, self).__init__()
        self.ff_1 = nn.Linear(d_model, d_ff)
        self.ff_2 = nn.Linear(d_ff, d_model)
        self.relu = nn.ReLU() if activation == "relu" else nn.GELU()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        x = self.ff_1(x)
        x = self.relu(x)
        x = self.dropout(x)
        x = self.ff_2(x)
        x = self.dropout(x)
        return x


class MultiHeadAttention(nn.Module):
    """
    Implements multi-head attention sublayer.
    """

    def __init__(self, n_heads, d_model, dropout=0.3):
        super(MultiHeadAttention, self).__init__()
        self.n_heads = n_heads
        self.d_head = d_model // n_heads
        self.q_linear = nn.Linear(d_model, n_heads * self.d_head)
        self.k_linear = nn.Linear(d_model, n_heads * self.d_head)
        self.v_linear = nn.Linear(d_model, n_heads * self.d_head)
        self.dropout = nn.Dropout(dropout)
        self.fc_out = nn.Linear(n_heads * self.d_head, d_model)

    def forward(self, q, k, v, mask=None):
        bsz = q.size(0)
        q = self.q_linear(q).view(bsz, -1, self.n_heads, self.d_head).transpose(1, 2)
        k = self.k_linear(k).view(bsz, -1, self.n_heads, self.d_head).transpose(1, 2)
        v = self.v_linear(v).view(bsz, -1, self.n_heads, self.d_head).transpose(1, 2)
        attn_mask = mask.unsqueeze(1).repeat(1, self.n_heads, 1, 1) if mask is not None else None
        attn_weights = torch.matmul(q, k.transpose(-2, -1)) / (self.d_head**0.5)
        if attn_mask is not None:
            attn_weights = attn_weights.masked_fill(attn_mask == 0, -1e9)
        attn_weights = torch.softmax(attn_weights, dim=-1)
        attn_weights = self.dropout(attn_weights)
        attn_output = torch.matmul(attn_weights, v)
        attn_output = (
            attn_output.transpose(1, 2).contiguous().view(bsz, -1, self.n_heads * self.d_head)
        )
        attn_output = self.fc_out(attn_output)
        return attn_output


class SwitchFeedForward(nn.Module):
    """Switch mixture of experts at inference (docs/moe.md): a top-1 router in
    fp32, each real token through its expert's FFN times the router
    probability; no capacity limit (inference drops no token), padding gets 0."""

    def __init__(self, d_model, d_ff, experts, activation="relu"):
        super().__init__()
        self.router = nn.Parameter(torch.empty(experts, d_model))
        self.w1 = nn.Parameter(torch.empty(experts, d_ff, d_model))
        self.b1 = nn.Parameter(torch.empty(experts, d_ff))
        self.w2 = nn.Parameter(torch.empty(experts, d_model, d_ff))
        self.b2 = nn.Parameter(torch.empty(experts, d_model))
        self.act = F.relu if activation == "relu" else F.gelu

    def forward(self, x, valid):
        probs = torch.softmax(x.float() @ self.router.float().t(), dim=-1)
        gate, choice = probs.max(dim=-1)
        out = torch.zeros_like(x)
        for e in range(self.router.size(0)):
            mine = (choice == e) & valid
            if mine.any():
                h = self.act(F.linear(x[mine], self.w1[e], self.b1[e]))
                out[mine] = F.linear(h, self.w2[e], self.b2[e]) * gate[mine].unsqueeze(-1)
        return out


def make_ffn(c, layer):
    """The FFN of layer `layer` (0-based): MoE in every moe_every-th layer of a
    `model.ffn: moe` model, dense otherwise."""
    if c.get("ffn", "dense") == "moe" and (layer + 1) % c["moe_every"] == 0:
        return SwitchFeedForward(c["d_model"], c["d_ff"], c["experts"], c["activation"])
    return FeedForward(c["d_model"], c["d_ff"], c["dropout"], c["activation"])


def apply_ffn(layer, x, valid):
    if isinstance(layer.ffn, SwitchFeedForward):
        return layer.ffn(x, valid)
    return layer.ffn(x)


# --- The swt model: pre-LN encoder-decoder -----------------------------------
# Attribute names follow swt's tensor names, so the exported weights load by
# name; the only renaming is FeedForward's ff_1/ff_2 (swt: linear1/linear2).


class EncoderLayer(nn.Module):
    def __init__(self, c, index):
        super().__init__()
        self.self_attn = MultiHeadAttention(c["heads"], c["d_model"], c["attention_dropout"])
        self.ln_attn = nn.LayerNorm(c["d_model"])
        self.ffn = make_ffn(c, index)
        self.ln_ffn = nn.LayerNorm(c["d_model"])
        self.dropout = nn.Dropout(c["dropout"])

    def forward(self, x, mask):
        h = self.ln_attn(x)
        y = x + self.dropout(self.self_attn(h, h, h, mask))
        return y + apply_ffn(self, self.ln_ffn(y), mask[:, 0, :])


class DecoderLayer(nn.Module):
    def __init__(self, c, index):
        super().__init__()
        self.self_attn = MultiHeadAttention(c["heads"], c["d_model"], c["attention_dropout"])
        self.cross_attn = MultiHeadAttention(c["heads"], c["d_model"], c["attention_dropout"])
        self.ln_self = nn.LayerNorm(c["d_model"])
        self.ln_cross = nn.LayerNorm(c["d_model"])
        self.ffn = make_ffn(c, index)
        self.ln_ffn = nn.LayerNorm(c["d_model"])
        self.dropout = nn.Dropout(c["dropout"])

    def forward(self, x, self_mask, memory, memory_mask, valid):
        h = self.ln_self(x)
        y = x + self.dropout(self.self_attn(h, h, h, self_mask))
        y = y + self.dropout(self.cross_attn(self.ln_cross(y), memory, memory, memory_mask))
        return y + apply_ffn(self, self.ln_ffn(y), valid)


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        if c["attention"] != "vanilla":
            raise ValueError(f"only vanilla attention is implemented here, not {c['attention']!r}")
        self.config = c
        self.d_model = c["d_model"]
        self.tgt_embed = nn.Embedding(c["tgt_vocab_size"], c["d_model"], padding_idx=PAD_ID)
        # A shared table is one tensor (tgt_embed.weight), so no src_embed module then.
        self.src_embed = (
            None
            if c["share_embeddings"]
            else nn.Embedding(c["src_vocab_size"], c["d_model"], padding_idx=PAD_ID)
        )
        self.encoder = nn.ModuleList(EncoderLayer(c, i) for i in range(c["encoder_layers"]))
        self.decoder = nn.ModuleList(DecoderLayer(c, i) for i in range(c["decoder_layers"]))
        self.encoder_ln = nn.LayerNorm(c["d_model"])
        self.decoder_ln = nn.LayerNorm(c["d_model"])
        self.output = (
            None
            if c["tie_output"]
            else nn.Linear(c["d_model"], c["tgt_vocab_size"], bias=False)
        )
        self.dropout = nn.Dropout(c["dropout"])

    def embed(self, table, ids, offset=0):
        x = table(ids) * math.sqrt(self.d_model)
        pos = sinusoidal_positions(offset, ids.size(1), self.d_model).to(x.device)
        return self.dropout(x + pos.unsqueeze(0))

    def encode(self, src):
        """src [B, S] -> (memory [B, S, D], memory mask [B, 1, S])."""
        memory_mask = (src != PAD_ID).unsqueeze(1)  # padding keys are never attended
        table = self.tgt_embed if self.src_embed is None else self.src_embed
        x = self.embed(table, src)
        for layer in self.encoder:
            x = layer(x, memory_mask)
        return self.encoder_ln(x), memory_mask

    def decode(self, tgt_in, memory, memory_mask):
        """tgt_in [B, T] starting with <s> -> logits [B, T, V] (whole prefix, causal)."""
        t = tgt_in.size(1)
        # Target padding only follows real tokens, so causality alone suffices.
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool, device=tgt_in.device))
        self_mask = causal.unsqueeze(0).expand(tgt_in.size(0), t, t)
        x = self.embed(self.tgt_embed, tgt_in)
        valid = tgt_in != PAD_ID  # MoE layers route only real tokens
        for layer in self.decoder:
            x = layer(x, self_mask, memory, memory_mask, valid)
        h = self.decoder_ln(x)
        return F.linear(h, self.tgt_embed.weight) if self.output is None else self.output(h)

    def forward(self, src, tgt_in):
        memory, memory_mask = self.encode(src)
        return self.decode(tgt_in, memory, memory_mask)


def to_reference_names(swt_weights):
    """swt tensor names -> this module's state_dict names."""
    renamed = {}
    for name, tensor in swt_weights.items():
        if name.startswith(("encoder_halt.", "decoder_halt.")):
            continue  # adaptive-depth halting units: unused when every layer runs
        name = name.replace(".ffn.linear1.", ".ffn.ff_1.").replace(".ffn.linear2.", ".ffn.ff_2.")
        renamed[name] = tensor
    return renamed


def load_exported(path):
    """The model of a file written by `swt export`, in eval mode."""
    weights, metadata = read_safetensors(path)
    if metadata.get("format") != "swt-export":
        raise ValueError(f"{path}: not written by `swt export` (metadata {metadata!r})")
    config = json.loads(metadata["config"])
    model = Transformer(config["model"])
    model.load_state_dict(to_reference_names(weights), strict=True)
    return model.eval()
