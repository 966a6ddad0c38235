#include "train/train_config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>

#include "nn/precision.h"
#include "util/error.h"
#include "util/utf8.h"

namespace swt::train {

namespace {

struct Setting {
  std::string value;
  std::string origin;  // "FILE:LINE" or "--set"
};

void set_field(const OptionInfo& opt, const Setting& s) {
  const std::string& v = s.value;
  auto bad = [&](const char* type) {
    fail(s.origin + ": " + opt.key + " must be " + type + ", got '" + v + "'");
  };
  std::visit(
      [&](auto* field) {
        using T = std::remove_pointer_t<decltype(field)>;
        if constexpr (std::is_same_v<T, std::string>) {
          // Text only: --dump-config could not write invalid bytes back.
          if (!is_valid_utf8(v)) bad("valid UTF-8");
          *field = v;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (v == "true" || v == "yes" || v == "1")
            *field = true;
          else if (v == "false" || v == "no" || v == "0")
            *field = false;
          else
            bad("true or false");
        } else {
          std::istringstream in(v);
          T parsed{};
          in >> parsed;
          if (in.fail() || !in.eof()) bad(std::is_same_v<T, double> ? "a number" : "an integer");
          *field = parsed;
        }
      },
      opt.field);
}

std::string field_to_string(const OptionInfo& opt) {
  return std::visit(
      [](auto* field) -> std::string {
        using T = std::remove_pointer_t<decltype(field)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return YAML::Dump(YAML::Node(*field));
        } else if constexpr (std::is_same_v<T, bool>) {
          return *field ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          // Six significant digits unless the value needs more to read back
          // the same (0.99999999 must not become 1).
          std::string text;
          for (int digits = 6; digits <= 17; ++digits) {
            std::ostringstream out;
            out << std::setprecision(digits) << *field;
            text = out.str();
            std::istringstream in(text);
            double back = 0;
            if (in >> back && back == *field) break;
          }
          return text;
        } else {
          std::ostringstream out;
          out << *field;
          return out.str();
        }
      },
      opt.field);
}

// Flattens the YAML mapping into "section.key" -> value with its line.
void collect(const YAML::Node& node, const std::string& prefix, const std::string& file,
             std::map<std::string, Setting>& out) {
  for (const auto& item : node) {
    const std::string where = file + ":" + std::to_string(item.first.Mark().line + 1);
    // A complex key ("? [a, b]: 1") has no name (as<std::string> would throw).
    if (!item.first.IsScalar()) fail(where + ": config keys must be plain names");
    const std::string key = prefix + item.first.Scalar();
    const auto& value = item.second;
    if (value.IsMap()) {
      collect(value, key + ".", file, out);
    } else if (value.IsScalar() || value.IsNull()) {
      out[key] = {value.IsNull() ? "" : value.as<std::string>(), where};
    } else {
      fail(where + ": " + key + " must be a single value, not a list");
    }
  }
}

// The values an option may take, checked when the config is read, before any
// work starts: [lo, hi], an end excluded where `*_open` says so.
struct Range {
  const char* key;
  double lo, hi;
  bool lo_open = false, hi_open = false;
};

constexpr double kNoLimit = 1e300;

const Range kRanges[] = {
    {"data.vocab_min_count", 1, kNoLimit},
    {"data.vocab_max_size", 0, kNoLimit},
    {"data.max_length", 1, kNoLimit},
    {"model.d_model", 1, kNoLimit},
    {"model.heads", 1, kNoLimit},
    {"model.d_ff", 1, kNoLimit},
    {"model.encoder_layers", 1, kNoLimit},
    {"model.decoder_layers", 1, kNoLimit},
    {"model.dropout", 0, 1, false, true},
    {"model.attention_dropout", 0, 1, false, true},
    {"model.experts", 1, static_cast<double>(model::kMaxExperts)},
    {"model.moe_every", 1, static_cast<double>(model::kMaxLayers)},
    {"model.capacity_factor", 0, kNoLimit, true},
    {"model.eval_capacity_factor", 0, kNoLimit, true},
    {"model.moe_aux_loss", 0, kNoLimit},
    {"model.moe_z_loss", 0, kNoLimit},
    {"model.router_jitter", 0, 1, false, true},
    {"model.expert_dropout", 0, 1, false, true},
    {"train.batch_tokens", 1, kNoLimit},
    {"train.accumulate", 1, kNoLimit},
    {"train.lr", 0, kNoLimit, true},
    {"train.warmup_steps", 0, kNoLimit},
    {"train.adam_beta1", 0, 1, false, true},
    {"train.adam_beta2", 0, 1, false, true},
    {"train.adam_eps", 0, kNoLimit, true},
    {"train.weight_decay", 0, kNoLimit},
    {"train.label_smoothing", 0, 1, false, true},
    {"train.clip_norm", 0, kNoLimit},
    {"train.max_steps", 0, kNoLimit},
    {"train.layer_dropout", 0, 1, false, true},
    {"train.max_epochs", 0, kNoLimit},
    {"train.max_minutes", 0, kNoLimit},
    {"train.valid_every", 1, kNoLimit},
    {"train.valid_sentences", 0, kNoLimit},
    {"train.valid_beam", 1, kNoLimit},
    {"train.patience", 0, kNoLimit},
    {"train.log_every", 1, kNoLimit},
    {"train.halting_steps", 0, kNoLimit},
    {"train.halting_epsilon", 0, kNoLimit},
    {"train.depth_penalty", 0, kNoLimit},
    {"train.threads", 0, 4096},
};

std::string describe(const Range& r) {
  auto num = [](double x) {
    std::ostringstream o;
    o << x;
    return o.str();
  };
  if (r.hi >= kNoLimit) return std::string(r.lo_open ? "> " : ">= ") + num(r.lo);
  return "in " + std::string(r.lo_open ? "(" : "[") + num(r.lo) + ", " + num(r.hi) +
         (r.hi_open ? ")" : "]");
}

double numeric_value(const OptionInfo& opt) {
  if (auto* i = std::get_if<int64_t*>(&opt.field)) return static_cast<double>(**i);
  if (auto* d = std::get_if<double*>(&opt.field)) return **d;
  return 0;
}

// Every value in its range, or an error naming where the value came from
// (FILE:LINE, --set, or the preset/default when nothing set it).
void check_ranges(const std::vector<OptionInfo>& table,
                  const std::map<std::string, Setting>& settings);

const OptionInfo* find_option(const std::vector<OptionInfo>& table, const std::string& key) {
  for (const auto& opt : table)
    if (opt.key == key) return &opt;
  return nullptr;
}

}  // namespace

std::vector<OptionInfo> option_table(TrainConfig& c) {
  auto& d = c.data;
  auto& m = c.model;
  auto& t = c.train;
  return {
      {"data.train_src", "training source file (one sentence per line)", &d.train_src},
      {"data.train_tgt", "training target file, line-aligned with train_src", &d.train_tgt},
      {"data.dev_src", "development source file (validation loss and BLEU)", &d.dev_src},
      {"data.dev_tgt", "development target file", &d.dev_tgt},
      {"data.strip_src_prefix", "text removed from the start of each source line if present",
       &c.preprocess.strip_src_prefix},
      {"data.nfkc", "apply Unicode NFKC normalisation before tokenizing", &c.preprocess.nfkc},
      {"data.shared_vocab", "one vocabulary for source and target", &d.shared_vocab},
      {"data.vocab_min_count", "drop words seen fewer times (they become <unk>)",
       &d.vocab_min_count},
      {"data.vocab_max_size", "keep at most this many words, specials included (0 = all)",
       &d.vocab_max_size},
      {"data.max_length", "skip training pairs longer than this many tokens", &d.max_length},
      {"model.preset", "size preset applied first: tiny | small | base", &c.preset},
      {"model.attention", "attention kind: vanilla | switch", &m.attention},
      {"model.d_model", "model width", &m.d_model},
      {"model.heads", "attention heads", &m.heads},
      {"model.d_ff", "feed-forward inner width", &m.d_ff},
      {"model.encoder_layers", "encoder layers", &m.encoder_layers},
      {"model.decoder_layers", "decoder layers", &m.decoder_layers},
      {"model.dropout", "dropout on embeddings, residual branches and FFN", &m.dropout},
      {"model.attention_dropout", "dropout on attention probabilities", &m.attention_dropout},
      {"model.activation", "FFN activation: relu | gelu", &m.activation},
      {"model.tie_output", "share the target embedding with the output projection", &m.tie_output},
      {"model.share_embeddings", "share source and target embeddings (needs shared_vocab)",
       &m.share_embeddings},
      {"model.fine_heads", "switch: local fine heads (0 and 0 = half the heads each)",
       &m.fine_heads},
      {"model.coarse_heads", "switch: global coarse heads (fine + coarse = heads)",
       &m.coarse_heads},
      {"model.memory_slots", "switch: coarse memory slots per sentence", &m.memory_slots},
      {"model.max_segment", "switch: largest segment size r (power of two)", &m.max_segment},
      {"model.zoom", "switch: medium sub-slots per segment (power of two)", &m.zoom},
      {"model.window", "switch: local window of the fine heads (|i - j| <= window)", &m.window},
      {"model.top_k", "switch: segments each fine-head query zooms into", &m.top_k},
      {"model.rel_clip", "switch: relative distances clipped to [-rel_clip, rel_clip]",
       &m.rel_clip},
      {"model.ffn", "feed-forward: dense | moe (Switch mixture of experts, docs/moe.md)", &m.ffn},
      {"model.experts", "moe: experts per MoE layer", &m.experts},
      {"model.moe_every", "moe: every k-th layer is MoE (2: layers 2, 4, ... counting from 1)",
       &m.moe_every},
      {"model.capacity_factor", "moe: training capacity per expert, times tokens / experts",
       &m.capacity_factor},
      {"model.eval_capacity_factor",
       "moe: capacity factor in eval mode with gradients (inference drops no token)",
       &m.eval_capacity_factor},
      {"model.moe_aux_loss", "moe: weight of the load-balancing loss", &m.moe_aux_loss},
      {"model.moe_z_loss", "moe: weight of the router z-loss", &m.moe_z_loss},
      {"model.router_jitter", "moe: training router input times U[1 - jitter, 1 + jitter]",
       &m.router_jitter},
      {"model.expert_dropout", "moe: dropout inside the experts (after the activation)",
       &m.expert_dropout},
      {"model.adaptive_depth", "halting units and multi-exit training (SPEC section 5)",
       &m.depth.adaptive},
      {"model.encoder_min_layers", "adaptive depth: no encoder exit before this many layers",
       &m.depth.encoder_min_layers},
      {"model.length_thresholds",
       "adaptive depth, length policy: depth = min layers + thresholds exceeded",
       &m.depth.length_thresholds},
      {"train.batch_tokens", "tokens per batch (max length x sentences, padding included)",
       &t.batch_tokens},
      {"train.accumulate", "batches per optimizer step (gradient accumulation)", &t.accumulate},
      {"train.lr", "peak learning rate, reached at the end of warm-up", &t.lr},
      {"train.warmup_steps", "linear warm-up steps, then inverse square-root decay",
       &t.warmup_steps},
      {"train.adam_beta1", "Adam beta1", &t.adam_beta1},
      {"train.adam_beta2", "Adam beta2", &t.adam_beta2},
      {"train.adam_eps", "Adam epsilon", &t.adam_eps},
      {"train.weight_decay", "L2 weight decay", &t.weight_decay},
      {"train.label_smoothing", "label smoothing epsilon", &t.label_smoothing},
      {"train.clip_norm", "clip the gradient norm to this (0 = off)", &t.clip_norm},
      {"train.max_steps", "stop after this many optimizer steps (0 = no limit)", &t.max_steps},
      {"train.max_epochs", "stop after this many epochs (0 = no limit)", &t.max_epochs},
      {"train.max_minutes", "stop after this much wall-clock time (0 = no limit)", &t.max_minutes},
      {"train.valid_every", "steps between validations and checkpoints", &t.valid_every},
      {"train.valid_sentences", "dev sentences translated for BLEU (0 = all)", &t.valid_sentences},
      {"train.valid_beam", "beam size for validation BLEU", &t.valid_beam},
      {"train.patience", "stop after this many validations without a better dev BLEU (0 = off)",
       &t.patience},
      {"train.log_every", "steps between progress log lines", &t.log_every},
      {"train.halting_steps", "adaptive depth: steps of halting-unit training after the main phase",
       &t.halting_steps},
      {"train.halting_epsilon", "adaptive depth: oracle exit = shallowest within this loss of best",
       &t.halting_epsilon},
      {"train.depth_penalty", "adaptive depth: weight of the push towards earlier exits",
       &t.depth_penalty},
      {"train.layer_dropout",
       "LayerSkip layer dropout: in training each sentence skips decoder layer l (of L) with "
       "probability rate * (2^(l/(L-1)) - 1), 0 at the first layer, rate at the last",
       &t.layer_dropout},
      {"train.exit_loss_weights",
       "adaptive depth: comma-separated share of the loss per decoder exit, shallowest first "
       "(normalised; empty = equal shares)",
       &t.exit_loss_weights},
      {"train.seed", "random seed (initialisation, dropout, batch order)", &t.seed},
      {"train.threads", "CPU threads (0 = all cores)", &t.threads},
      {"train.precision",
       "matrix products: fp32 | bf16 | auto (bf16 where the CPU has native bf16 dot products, "
       "AVX512-BF16 or AMX; weights, optimizer, softmax, norms and loss stay fp32)",
       &t.precision},
      {"train.expert_parallel",
       "moe with several processes: divide every MoE layer's experts among the processes, "
       "tokens exchanged by all-to-all (false: every process holds every expert)",
       &t.expert_parallel},
      {"train.init_from",
       "model directory to fine-tune from: its vocabularies and matching weights (new tensors "
       "such as halting units start fresh)",
       &t.init_from},
  };
}

void apply_preset(const std::string& name, model::ModelConfig& m) {
  struct Sizes {
    const char* name;
    int64_t d_model, heads, d_ff, layers;
  };
  static const Sizes kPresets[] = {
      {"tiny", 128, 4, 512, 2}, {"small", 256, 4, 1024, 3}, {"base", 512, 8, 2048, 6}};
  for (const auto& p : kPresets)
    if (name == p.name) {
      m.d_model = p.d_model;
      m.heads = p.heads;
      m.d_ff = p.d_ff;
      m.encoder_layers = m.decoder_layers = p.layers;
      return;
    }
  fail("model.preset: unknown preset '" + name + "' (known: tiny, small, base)");
}

TrainConfig load_train_config(const std::string& yaml_path,
                              const std::vector<std::string>& overrides) {
  std::map<std::string, Setting> settings;
  if (!yaml_path.empty()) {
    if (!std::filesystem::exists(yaml_path)) fail_at(yaml_path, 0, "no such config file");
    YAML::Node root;
    try {
      root = YAML::LoadFile(yaml_path);
    } catch (const YAML::Exception& e) {
      fail_at(yaml_path, e.mark.line + 1, "invalid YAML: " + e.msg);
    }
    if (!root.IsNull() && !root.IsMap()) fail_at(yaml_path, 1, "config must be a YAML mapping");
    if (root.IsMap()) collect(root, "", yaml_path, settings);
  }
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) fail("--set " + o + ": expected key=value");
    settings[o.substr(0, eq)] = {o.substr(eq + 1), "--set " + o.substr(0, eq)};
  }
  TrainConfig config;
  auto table = option_table(config);
  for (const auto& [key, s] : settings)
    if (!find_option(table, key)) fail(s.origin + ": unknown config key '" + key + "'");
  if (auto it = settings.find("model.preset"); it != settings.end()) {
    config.preset = it->second.value;
    if (!config.preset.empty()) apply_preset(config.preset, config.model);
  }
  for (const auto& [key, s] : settings) set_field(*find_option(table, key), s);
  check_ranges(table, settings);
  if (auto it = settings.find("train.precision"); it != settings.end())
    nn::parse_precision(config.train.precision, it->second.origin + ": train.precision");
  // The model's cross-field rules (d_model divisible by heads, ...) before any
  // work; the vocabulary sizes are filled in (and checked again) by the trainer.
  config.model.validate();
  exit_loss_weights(config);
  return config;
}

std::vector<double> exit_loss_weights(const TrainConfig& config) {
  const int64_t exits = config.model.decoder_layers;
  const std::string& text = config.train.exit_loss_weights;
  if (text.empty()) return std::vector<double>(static_cast<size_t>(exits), 1.0 / exits);
  const std::string where = "train.exit_loss_weights '" + text + "': ";
  if (!config.model.depth.adaptive) fail(where + "needs model.adaptive_depth: true");
  std::vector<double> weights;
  std::stringstream in(text);
  std::string item;
  double total = 0;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    double w = -1;
    try {
      w = std::stod(item, &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || item.find_first_not_of(" \t", used) != std::string::npos || !(w >= 0)) {
      std::string message = where;
      message += "'" + item + "' is not a non-negative number";
      fail(message);
    }
    weights.push_back(w);
    total += w;
  }
  if (static_cast<int64_t>(weights.size()) != exits)
    fail(where + "expected " + std::to_string(exits) + " weights (model.decoder_layers), got " +
         std::to_string(weights.size()));
  if (!(total > 0)) fail(where + "the weights must not all be 0");
  for (auto& w : weights) w /= total;
  return weights;
}

namespace {

void check_ranges(const std::vector<OptionInfo>& table,
                  const std::map<std::string, Setting>& settings) {
  for (const auto& r : kRanges) {
    const auto* opt = find_option(table, r.key);
    if (!opt) continue;
    const double v = numeric_value(*opt);
    const bool ok = (r.lo_open ? v > r.lo : v >= r.lo) && (r.hi_open ? v < r.hi : v <= r.hi);
    if (ok) continue;
    const auto it = settings.find(r.key);
    const std::string origin = it == settings.end() ? "default" : it->second.origin;
    fail(origin + ": " + r.key + " must be " + describe(r) + ", got " + field_to_string(*opt));
  }
}

}  // namespace

std::string dump_train_config(const TrainConfig& config) {
  TrainConfig copy = config;
  std::ostringstream out;
  std::string section;
  for (const auto& opt : option_table(copy)) {
    const auto dot = opt.key.find('.');
    const std::string sec = opt.key.substr(0, dot);
    if (sec != section) {
      out << sec << ":\n";
      section = sec;
    }
    out << "  " << opt.key.substr(dot + 1) << ": " << field_to_string(opt) << "  # " << opt.help
        << "\n";
  }
  return out.str();
}

}  // namespace swt::train
