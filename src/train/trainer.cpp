#include "train/trainer.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

#include "decode/translator.h"
#include "eval/bleu.h"
#include "kernels/parallel.h"
#include "nn/precision.h"
#include "train/checkpoint.h"
#include "train/expert_parallel.h"
#include "train/halting.h"
#include "train/loss.h"
#include "train/lr_schedule.h"
#include "train/progress.h"
#include "train/training_data.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void check_data_options(const DataOptions& d) {
  const std::pair<const char*, const std::string*> required[] = {{"data.train_src", &d.train_src},
                                                                 {"data.train_tgt", &d.train_tgt},
                                                                 {"data.dev_src", &d.dev_src},
                                                                 {"data.dev_tgt", &d.dev_tgt}};
  for (const auto& [key, value] : required)
    if (value->empty()) fail(std::string("config: ") + key + " is required");
}

// Builds vocabularies from the training data, or reads the ones of the
// checkpoint a resumed run continues, or (fine-tuning) the ones of the model we
// start from. Nothing is written here: vocabularies reach the model directory
// with the weights they belong to (save_model_dir), so the set stays consistent.
void prepare_vocabularies(const TrainConfig& c, const TokenizedCorpus& train,
                          const std::string& checkpoint, const model::ModelBundle* base,
                          model::ModelBundle& b) {
  if (!checkpoint.empty() && fs::exists(checkpoint + "/src.vocab")) {
    b.src_vocab = text::Vocab::load(checkpoint + "/src.vocab");
    b.tgt_vocab = text::Vocab::load(checkpoint + "/tgt.vocab");
    return;
  }
  if (base) {
    b.src_vocab = base->src_vocab;
    b.tgt_vocab = base->tgt_vocab;
    return;
  }
  const auto min_count = static_cast<int>(c.data.vocab_min_count);
  const auto max_size = static_cast<int>(c.data.vocab_max_size);
  if (c.data.shared_vocab) {
    auto both = train.src;
    both.insert(both.end(), train.tgt.begin(), train.tgt.end());
    b.src_vocab = b.tgt_vocab = text::Vocab::build(both, min_count, max_size);
  } else {
    b.src_vocab = text::Vocab::build(train.src, min_count, max_size);
    b.tgt_vocab = text::Vocab::build(train.tgt, min_count, max_size);
  }
}

struct Validation {
  double loss = 0, bleu = 0;
};

class Run {
 public:
  Run(const TrainConfig& config, const std::string& model_dir, bool resume,
      const DistributedOptions& distributed)
      : c_(config), dir_(model_dir), resume_(resume), dist_(distributed) {}

  TrainSummary run();

 private:
  void setup();
  void init_from_model(const model::ModelBundle& base);
  torch::Tensor batch_loss(const BatchTensors& b);  // summed over target tokens
  // Forward and backward of this rank's share of a global batch; returns the
  // share's summed loss and the global batch's target tokens.
  std::pair<double, int64_t> train_batch(const data::Batch& batch);
  void train_halting();
  void optimizer_step();
  Validation validate();
  void after_validation(const Validation& v);
  void validate_and_save();
  bool should_stop(std::string& reason) const;
  bool stop_agreed(std::string& reason);
  double fraction_done() const;
  void log_progress(double loss_per_token, double tokens_per_s, double allreduce_share);

  const TrainConfig& c_;
  std::string dir_;
  bool resume_;
  Distributed dist_;
  JsonlLog log_{""};  // opened once the inputs are known to be good
  model::ModelBundle bundle_;
  TokenizedCorpus dev_;
  EncodedCorpus train_, dev_encoded_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  // model.ffn: moe over several processes: the experts divided among them.
  std::optional<ExpertParallel> experts_;
  TrainerState state_;
  torch::Device device_{torch::kCPU};
  Clock::time_point started_;
  double allreduce_seconds_ = 0;  // in gradient all-reduces since the last progress line
  // model.ffn: moe: routing since the last progress line (this rank's until
  // log time, then summed over the ranks).
  std::optional<nn::MoeSummary> moe_window_;
  double elapsed_before_ = 0;
  // train.precision resolved once (auto -> what this CPU supports).
  nn::Precision precision_ = nn::parse_precision(c_.train.precision, "train.precision");
  std::vector<double> exit_weights_ = exit_loss_weights(c_);  // per decoder exit
};

void Run::setup() {
  // Everything is read and checked before anything is written: a bad input
  // leaves the model directory as it was.
  check_data_options(c_.data);
  check_expert_parallel(c_, dist_.world_size());
  torch::manual_seed(static_cast<uint64_t>(c_.train.seed));
  auto train_text = read_corpus(c_.data.train_src, c_.data.train_tgt, c_.preprocess);
  dev_ = read_corpus(c_.data.dev_src, c_.data.dev_tgt, c_.preprocess);
  const auto checkpoint = resume_ ? readable_checkpoint(dir_) : std::string();
  // Fine-tuning starts from a whole model directory, checked like any other.
  std::optional<model::ModelBundle> base;
  if (checkpoint.empty() && !c_.train.init_from.empty())
    base = model::load_model_dir(c_.train.init_from);
  prepare_vocabularies(c_, train_text, checkpoint, base ? &*base : nullptr, bundle_);
  train_ = encode_corpus(train_text, bundle_.src_vocab, bundle_.tgt_vocab, c_.data.max_length);
  dev_encoded_ = encode_corpus(dev_, bundle_.src_vocab, bundle_.tgt_vocab, 0);
  if (train_.src.empty()) fail(c_.data.train_src + ": no usable training pairs");
  bundle_.config = c_.model;
  bundle_.config.src_vocab_size = bundle_.src_vocab.size();
  bundle_.config.tgt_vocab_size = bundle_.tgt_vocab.size();
  bundle_.preprocess = c_.preprocess;
  bundle_.model = model::Transformer(bundle_.config);
  bundle_.model->to(device_);
  bundle_.model->set_layer_dropout(c_.train.layer_dropout);
  auto& t = c_.train;
  optimizer_ = std::make_unique<torch::optim::Adam>(bundle_.model->parameters(),
                                                    torch::optim::AdamOptions(t.lr)
                                                        .betas({t.adam_beta1, t.adam_beta2})
                                                        .eps(t.adam_eps)
                                                        .weight_decay(t.weight_decay));
  const bool main = dist_.is_main();
  if (!checkpoint.empty()) {
    state_ = load_checkpoint(dir_, *bundle_.model, *optimizer_);
    if (main)
      std::cerr << "resumed from step " << state_.step << " (epoch " << state_.epoch + 1 << ")\n";
  } else {
    if (resume_ && main) std::cerr << "no checkpoint in " << dir_ << ": starting from scratch\n";
    if (base) init_from_model(*base);
  }
  if (dist_.active()) {
    // Every rank starts from rank 0's weights; dropout draws differ per rank.
    auto tensors = bundle_.model->parameters();
    for (const auto& b : bundle_.model->buffers()) tensors.push_back(b);
    dist_.broadcast(tensors);
    torch::manual_seed(static_cast<uint64_t>(c_.train.seed) + 1000003ULL * dist_.rank() +
                       static_cast<uint64_t>(state_.step));
  }
  int64_t params = 0;  // the whole model's, counted before the experts are split
  for (const auto& p : bundle_.model->parameters()) params += p.numel();
  experts_.emplace(dist_, bundle_.model, c_.train.expert_parallel);
  experts_->split(*optimizer_);
  if (!main) return;  // rank 0 alone writes, logs and prints
  fs::create_directories(dir_);
  log_ = JsonlLog(dir_ + "/train.log.jsonl");
  std::cerr << "train pairs " << train_.src.size() << " (skipped " << train_.skipped_too_long
            << " too long or empty), dev " << dev_.src.size() << ", vocab "
            << bundle_.src_vocab.size() << "/" << bundle_.tgt_vocab.size() << ", parameters "
            << params << ", threads " << kernels::parallel_threads() << ", precision "
            << precision_name(precision_) << ", processes " << dist_.world_size();
  if (experts_->active())
    std::cerr << ", expert parallel (" << experts_->local_experts() << " of " << c_.model.experts
              << " experts per process)";
  std::cerr << "\n";
  log_.write({{"event", "start"},
              {"precision", precision_name(precision_)},
              {"threads", kernels::parallel_threads()},
              {"processes", dist_.world_size()},
              {"experts_per_process", experts_->active() ? experts_->local_experts() : 0},
              {"train_pairs", train_.src.size()},
              {"parameters", params},
              {"resumed_step", state_.step}});
}

// Fine-tuning start: the weights the two models share; the rest (e.g. the
// halting units when adaptive depth is switched on) keep their fresh values.
void Run::init_from_model(const model::ModelBundle& base) {
  const auto fresh =
      model::load_matching_weights(*bundle_.model, model::state_dict(*base.model),
                                   model::model_file(c_.train.init_from, "model.safetensors"));
  if (dist_.is_main())
    std::cerr << "initialised from " << c_.train.init_from << " (" << fresh.size()
              << " tensors start fresh" << (fresh.empty() ? "" : ", e.g. " + fresh.front())
              << ")\n";
}

torch::Tensor Run::batch_loss(const BatchTensors& b) {
  auto& model = *bundle_.model;
  const double eps = c_.train.label_smoothing;
  if (!c_.model.depth.adaptive)
    return target_loss(model, model.decode_hidden(b.tgt_in, model.encode(b.src)), b.tgt_out, eps)
        .loss;
  // Aligned multi-exit training: the decoder reads a random encoder exit, and
  // every decoder exit gets its share of the loss (train.exit_loss_weights).
  const int64_t min = c_.model.depth.encoder_min_layers, layers = c_.model.encoder_layers;
  model::DepthOptions depth;
  depth.encoder_layers = min + torch::randint(layers - min + 1, {1}).item<int64_t>();
  // Split experts: every process must run the same MoE layers (rank 0's draw).
  if (experts_->split_now())
    depth.encoder_layers = static_cast<int64_t>(
        dist_.broadcast_values({static_cast<double>(depth.encoder_layers)})[0]);
  auto exits = model.decode_exits(b.tgt_in, model.encode(b.src, &depth));
  torch::Tensor total;
  for (size_t e = 0; e < exits.size(); ++e) {
    if (exit_weights_[e] == 0) continue;
    auto l = target_loss(model, exits[e], b.tgt_out, eps).loss * exit_weights_[e];
    total = total.defined() ? total + l : l;
  }
  return total;
}

// This rank's share of a global batch: a contiguous slice (batches are sorted
// by length, so the shares pad alike).
data::Batch shard(const data::Batch& batch, int rank, int world) {
  const size_t n = batch.size();
  return data::Batch(batch.begin() + static_cast<std::ptrdiff_t>(n * rank / world),
                     batch.begin() + static_cast<std::ptrdiff_t>(n * (rank + 1) / world));
}

std::pair<double, int64_t> Run::train_batch(const data::Batch& batch) {
  // Every rank knows the whole global batch, so the normalisation by its target
  // tokens needs no communication: the gradients summed over the ranks are
  // those of the whole batch.
  int64_t target_tokens = 0, source_tokens = 0;
  for (auto i : batch) {
    target_tokens += static_cast<int64_t>(train_.tgt[i].size()) + 1;
    source_tokens += static_cast<int64_t>(train_.src[i].size()) + 1;
  }
  state_.tokens_seen += target_tokens + source_tokens;
  auto mine = shard(batch, dist_.rank(), dist_.world_size());
  // A rank without a share (fewer sentences than ranks) sits the batch out,
  // unless the experts are split: then it must join every exchange, so it
  // runs one sentence of the batch with weight 0.
  double weight = 1;
  if (mine.empty()) {
    if (!experts_->split_now()) return {0.0, target_tokens};
    mine = data::Batch{batch.back()};
    weight = 0;
  }
  auto b = make_batch(train_, mine, device_);
  auto& model = *bundle_.model;
  if (moe_window_) model.take_moe_stats();  // whatever a pass outside training left
  auto summed = batch_loss(b);
  const auto normaliser = static_cast<double>(target_tokens * c_.train.accumulate);
  auto objective = summed * (weight / normaliser);
  if (moe_window_) {
    // The MoE losses are means over this rank's share: weighted by the
    // share's targets, the gradients summed over ranks are the global batch's.
    int64_t my_targets = 0;
    for (auto i : mine) my_targets += static_cast<int64_t>(train_.tgt[i].size()) + 1;
    const auto stats = model.take_moe_stats();
    objective = objective + moe_aux_loss(c_.model, stats) * (weight * my_targets / normaliser);
    moe_window_->add(stats);
  }
  objective.backward();
  return {weight * summed.item<double>(), target_tokens};
}

void Run::optimizer_step() {
  const double lr = inverse_sqrt_lr(c_.train.lr, state_.step + 1, c_.train.warmup_steps);
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
  const auto reduce_start = Clock::now();
  dist_.all_reduce_gradients(experts_->replicated_parameters());
  allreduce_seconds_ += seconds_since(reduce_start);
  if (experts_->split_now()) {
    experts_->fill_missing_gradients();
    if (c_.train.clip_norm > 0) experts_->clip_grad_norm(c_.train.clip_norm);
  } else if (c_.train.clip_norm > 0) {  // the global norm: gradients are summed by now
    torch::nn::utils::clip_grad_norm_(bundle_.model->parameters(), c_.train.clip_norm);
  }
  optimizer_->step();
  optimizer_->zero_grad();
  ++state_.step;
}

Validation Run::validate() {
  torch::NoGradGuard no_grad;
  bundle_.model->eval();
  Validation v;
  double loss_sum = 0;
  int64_t tokens = 0;
  std::vector<int64_t> lengths;
  for (const auto& l : dev_encoded_.lengths()) lengths.push_back(std::max(l.src, l.tgt));
  for (const auto& batch : data::make_sorted_batches(lengths, 1 << 30, c_.train.batch_tokens)) {
    auto b = make_batch(dev_encoded_, batch, device_);
    auto& m = *bundle_.model;
    auto sums = target_loss(m, m.decode_hidden(b.tgt_in, m.encode(b.src)), b.tgt_out, 0.0);
    loss_sum += sums.nll.item<double>();
    tokens += b.target_tokens;
  }
  v.loss = loss_sum / std::max<int64_t>(tokens, 1);
  size_t n = dev_.raw_src.size();
  if (c_.train.valid_sentences > 0) n = std::min<size_t>(n, c_.train.valid_sentences);
  std::vector<std::string> src(dev_.raw_src.begin(), dev_.raw_src.begin() + n);
  std::vector<std::string> ref(dev_.raw_tgt.begin(), dev_.raw_tgt.begin() + n);
  decode::TranslateOptions topt;
  topt.search.beam = c_.train.valid_beam;
  topt.batch_size = 64;
  decode::Translator translator(bundle_, topt);
  std::vector<std::string> hyp;
  for (auto& nbest : translator.translate(src)) hyp.push_back(nbest.empty() ? "" : nbest[0].text);
  v.bleu = eval::corpus_bleu(hyp, ref).score;
  bundle_.model->train();
  return v;
}

void Run::after_validation(const Validation& v) {
  const bool better =
      v.bleu > state_.best_bleu || (v.bleu == state_.best_bleu && v.loss < state_.best_loss);
  if (better) {
    state_.best_bleu = v.bleu;
    state_.best_loss = v.loss;
    state_.bad_validations = 0;
    save_model_dir(dir_, bundle_);  // keep-best: the model directory holds the best model
  } else {
    ++state_.bad_validations;
  }
  state_.elapsed_seconds = elapsed_before_ + seconds_since(started_);
  save_checkpoint(dir_, *bundle_.model, *optimizer_, state_, [&](const std::string& dir) {
    bundle_.src_vocab.save(dir + "/src.vocab");
    bundle_.tgt_vocab.save(dir + "/tgt.vocab");
  });
  std::cerr << "valid step " << state_.step << " | dev loss " << v.loss << " | dev BLEU " << v.bleu
            << (better ? " (best, saved)" : "") << "\n";
  log_.write({{"event", "valid"},
              {"step", state_.step},
              {"dev_loss", v.loss},
              {"dev_bleu", v.bleu},
              {"best", better},
              {"elapsed_s", state_.elapsed_seconds}});
}

// Rank 0 validates and writes; every rank then holds its outcome (patience is
// agreed) and the parameters are checked to be the same everywhere. Split
// experts are gathered for it and divided again afterwards.
void Run::validate_and_save() {
  experts_->join(*optimizer_);
  if (dist_.is_main()) after_validation(validate());
  const auto agreed = dist_.broadcast_values(
      {state_.best_bleu, state_.best_loss, static_cast<double>(state_.bad_validations)});
  state_.best_bleu = agreed[0];
  state_.best_loss = agreed[1];
  state_.bad_validations = static_cast<int64_t>(agreed[2]);
  dist_.check_same_parameters(bundle_.model->parameters());
  experts_->split(*optimizer_);
}

// The halting phase is short (a few hundred steps of small units): rank 0 runs
// it; the other ranks wait.
void Run::train_halting() {
  if (!c_.model.depth.adaptive || c_.train.halting_steps <= 0) return;
  if (!dist_.is_main()) return;
  // Halting units learn on the best model, the one the model directory keeps.
  const auto best = model::model_file(dir_, "model.safetensors");
  model::load_state_dict(*bundle_.model, model::load_safetensors(best), best);
  HaltingOptions o;
  o.steps = c_.train.halting_steps;
  o.epsilon = c_.train.halting_epsilon;
  o.depth_penalty = c_.train.depth_penalty;
  o.batch_tokens = c_.train.batch_tokens;
  o.seed = static_cast<uint64_t>(c_.train.seed);
  std::cerr << "training halting units for " << o.steps << " steps\n";
  train_halting_units(*bundle_.model, train_, o, device_, log_);
  save_model_dir(dir_, bundle_);
}

double Run::fraction_done() const {
  double f = -1;
  const auto& t = c_.train;
  const double elapsed = elapsed_before_ + seconds_since(started_);
  if (t.max_steps > 0) f = std::max(f, static_cast<double>(state_.step) / t.max_steps);
  if (t.max_minutes > 0) f = std::max(f, elapsed / (t.max_minutes * 60));
  if (t.max_epochs > 0) f = std::max(f, static_cast<double>(state_.epoch) / t.max_epochs);
  return f;
}

// Rank 0's decision on every rank (time limits differ between processes).
bool Run::stop_agreed(std::string& reason) {
  should_stop(reason);
  if (!dist_.active()) return !reason.empty();
  static const char* const kReasons[] = {"", "max_steps", "max_minutes", "patience"};
  double code = 0;
  for (int i = 0; i < 4; ++i)
    if (reason == kReasons[i]) code = i;
  reason = kReasons[static_cast<int>(dist_.broadcast_values({code})[0])];
  return !reason.empty();
}

bool Run::should_stop(std::string& reason) const {
  const auto& t = c_.train;
  if (t.max_steps > 0 && state_.step >= t.max_steps)
    reason = "max_steps";
  else if (t.max_minutes > 0 && elapsed_before_ + seconds_since(started_) >= t.max_minutes * 60)
    reason = "max_minutes";
  else if (t.patience > 0 && state_.bad_validations >= t.patience)
    reason = "patience";
  return !reason.empty();
}

void Run::log_progress(double loss_per_token, double tokens_per_s, double allreduce_share) {
  if (!dist_.is_main()) return;
  const double lr = inverse_sqrt_lr(c_.train.lr, state_.step, c_.train.warmup_steps);
  const double elapsed = elapsed_before_ + seconds_since(started_);
  const double f = fraction_done();
  const std::string eta = f > 0 ? format_duration(elapsed * (1 - f) / f) : "?";
  char line[256];
  std::snprintf(line, sizeof line,
                "%s step %lld | ep %lld | loss %.3f | lr %.2e | %.0f tok/s | %s | ETA %s",
                progress_bar(f).c_str(), static_cast<long long>(state_.step),
                static_cast<long long>(state_.epoch + 1), loss_per_token, lr, tokens_per_s,
                format_duration(elapsed).c_str(), eta.c_str());
  const bool moe = moe_window_ && !moe_window_->empty();
  std::cerr << line << (moe ? " | " + moe_window_->line() : "") << "\n";
  nlohmann::json record = {{"event", "train"},
                           {"step", state_.step},
                           {"epoch", state_.epoch + 1},
                           {"loss", loss_per_token},
                           {"lr", lr},
                           {"tokens_per_s", tokens_per_s},
                           {"allreduce_share", allreduce_share},
                           {"elapsed_s", elapsed},
                           {"eta_s", f > 0 ? elapsed * (1 - f) / f : -1.0}};
  if (moe) record["moe"] = moe_window_->json();
  log_.write(record);
}

TrainSummary Run::run() {
  setup();
  // Every product of training and validation runs in the chosen precision.
  nn::MatmulPrecisionGuard precision(precision_);
  started_ = Clock::now();
  elapsed_before_ = state_.elapsed_seconds;
  bundle_.model->train();
  if (const int64_t layers = bundle_.model->moe_layers(); layers > 0)
    moe_window_.emplace(layers, c_.model.experts);
  const auto lengths = train_.lengths();
  std::string reason;
  // Per batch since the last progress line: this rank's summed loss and the
  // global batch's target tokens (the losses are summed over ranks to log).
  std::vector<double> window_loss;
  std::vector<int64_t> window_targets;
  int64_t window_tokens = state_.tokens_seen, last_valid = -1;
  auto window_start = Clock::now();
  while (!stop_agreed(reason)) {
    if (c_.train.max_epochs > 0 && state_.epoch >= c_.train.max_epochs) {
      reason = "max_epochs";
      break;
    }
    auto batches = data::make_epoch_batches(lengths, c_.train.batch_tokens,
                                            static_cast<uint64_t>(c_.train.seed), state_.epoch);
    while (state_.batch_in_epoch < static_cast<int64_t>(batches.size()) && !stop_agreed(reason)) {
      for (int64_t a = 0;
           a < c_.train.accumulate && state_.batch_in_epoch < static_cast<int64_t>(batches.size());
           ++a) {
        const auto [loss, targets] = train_batch(batches[state_.batch_in_epoch++]);
        window_loss.push_back(loss);
        window_targets.push_back(targets);
      }
      optimizer_step();
      if (state_.step % c_.train.log_every == 0) {
        const double window_seconds = seconds_since(window_start);
        const double rate = (state_.tokens_seen - window_tokens) / window_seconds;
        const auto summed = dist_.all_reduce_sum(window_loss);
        double per_token = 0;
        for (size_t i = 0; i < summed.size(); ++i) per_token += summed[i] / window_targets[i];
        if (moe_window_) moe_window_->set_sums(dist_.all_reduce_sum(moe_window_->sums()));
        log_progress(per_token / static_cast<double>(summed.size()), rate,
                     allreduce_seconds_ / window_seconds);
        allreduce_seconds_ = 0;
        if (moe_window_) moe_window_->clear();
        window_loss.clear();
        window_targets.clear();
        window_tokens = state_.tokens_seen;
        window_start = Clock::now();
      }
      if (state_.step % c_.train.valid_every == 0) {
        validate_and_save();
        last_valid = state_.step;
      }
    }
    if (state_.batch_in_epoch >= static_cast<int64_t>(batches.size())) {
      ++state_.epoch;
      state_.batch_in_epoch = 0;
    }
  }
  if (last_valid != state_.step) validate_and_save();
  experts_->join(*optimizer_);  // rank 0 goes on alone with the whole model
  train_halting();
  dist_.barrier();
  TrainSummary s;
  s.steps = state_.step;
  s.best_bleu = state_.best_bleu;
  s.elapsed_seconds = state_.elapsed_seconds;
  s.tokens_per_second = state_.tokens_seen / std::max(1e-9, state_.elapsed_seconds);
  s.stop_reason = reason;
  log_.write({{"event", "end"},
              {"steps", s.steps},
              {"best_dev_bleu", s.best_bleu},
              {"elapsed_s", s.elapsed_seconds},
              {"tokens_per_s", s.tokens_per_second},
              {"stop_reason", reason}});
  if (dist_.is_main())
    std::cerr << "stopped (" << reason << ") after " << s.steps << " steps, "
              << format_duration(s.elapsed_seconds) << "; best dev BLEU " << s.best_bleu
              << "; model in " << dir_ << "\n";
  return s;
}

}  // namespace

Trainer::Trainer(TrainConfig config, std::string model_dir, bool resume,
                 DistributedOptions distributed)
    : config_(std::move(config)),
      model_dir_(std::move(model_dir)),
      resume_(resume),
      distributed_(std::move(distributed)) {}

TrainSummary Trainer::run() {
  Run run(config_, model_dir_, resume_, distributed_);
  return run.run();
}

}  // namespace swt::train
