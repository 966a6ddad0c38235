#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/model_dir.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::train {

namespace fs = std::filesystem;

nlohmann::json to_json(const TrainerState& s) {
  return {{"step", s.step},
          {"epoch", s.epoch},
          {"batch_in_epoch", s.batch_in_epoch},
          {"best_bleu", s.best_bleu},
          {"best_loss", s.best_loss},
          {"bad_validations", s.bad_validations},
          {"elapsed_seconds", s.elapsed_seconds},
          {"tokens_seen", s.tokens_seen}};
}

TrainerState trainer_state_from_json(const nlohmann::json& j) {
  TrainerState s;
  s.step = j.at("step").get<int64_t>();
  s.epoch = j.at("epoch").get<int64_t>();
  s.batch_in_epoch = j.at("batch_in_epoch").get<int64_t>();
  s.best_bleu = j.at("best_bleu").get<double>();
  s.best_loss = j.at("best_loss").get<double>();
  s.bad_validations = j.at("bad_validations").get<int64_t>();
  s.elapsed_seconds = j.at("elapsed_seconds").get<double>();
  s.tokens_seen = j.at("tokens_seen").get<int64_t>();
  return s;
}

namespace {

std::string checkpoint_dir(const std::string& model_dir) { return model_dir + "/checkpoint"; }

torch::Tensor rng_state() { return at::detail::getDefaultCPUGenerator().get_state(); }

void set_rng_state(const torch::Tensor& state) {
  auto generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(state);
}

}  // namespace

// checkpoint/, or checkpoint.old/ when a run was killed between the two
// renames of save_checkpoint.
std::string readable_checkpoint(const std::string& model_dir) {
  const auto dir = checkpoint_dir(model_dir);
  if (fs::exists(dir + "/state.json")) return dir;
  if (fs::exists(dir + ".old/state.json")) return dir + ".old";
  return "";
}

void save_checkpoint(const std::string& model_dir, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const TrainerState& state,
                     const std::function<void(const std::string& dir)>& write_extra) {
  const auto final_dir = checkpoint_dir(model_dir);
  const auto tmp_dir = final_dir + ".tmp";
  const auto old_dir = final_dir + ".old";
  fs::remove_all(tmp_dir);
  fs::create_directories(tmp_dir);
  model::save_safetensors(tmp_dir + "/model.safetensors", model::state_dict(model));
  model::save_safetensors(tmp_dir + "/rng.safetensors", {{"cpu", rng_state()}});
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomic(tmp_dir + "/optimizer.pt", bytes.str());
  if (write_extra) write_extra(tmp_dir);
  // state.json last: a directory with it is complete.
  write_file_atomic(tmp_dir + "/state.json", to_json(state).dump(2) + "\n");
  // Swap directories: at every moment checkpoint/ or checkpoint.old/ is complete.
  // (When only checkpoint.old/ exists, a kill hit between the renames last time:
  // it must stay until the new one is in place.)
  if (fs::exists(final_dir)) {
    fs::remove_all(old_dir);
    fs::rename(final_dir, old_dir);
  }
  fs::rename(tmp_dir, final_dir);
  fs::remove_all(old_dir);
}

bool has_checkpoint(const std::string& model_dir) {
  return !readable_checkpoint(model_dir).empty();
}

TrainerState load_checkpoint(const std::string& model_dir, torch::nn::Module& model,
                             torch::optim::Optimizer& optimizer) {
  const auto dir = readable_checkpoint(model_dir);
  if (dir.empty()) fail_at(model_dir, 0, "no checkpoint to resume from (checkpoint/state.json)");
  model::load_state_dict(model, model::load_safetensors(dir + "/model.safetensors"),
                         dir + "/model.safetensors");
  auto rng = model::load_safetensors(dir + "/rng.safetensors");
  if (!rng.count("cpu")) fail_at(dir + "/rng.safetensors", 0, "missing RNG state");
  set_rng_state(rng.at("cpu"));
  try {
    torch::serialize::InputArchive archive;
    std::ifstream in(dir + "/optimizer.pt", std::ios::binary);
    archive.load_from(in);
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    fail_at(dir + "/optimizer.pt", 0, "cannot read optimizer state (truncated or foreign file)");
  }
  std::ifstream state_in(dir + "/state.json");
  try {
    return trainer_state_from_json(nlohmann::json::parse(state_in));
  } catch (const nlohmann::json::exception& e) {
    fail_at(dir + "/state.json", 0, std::string("invalid trainer state: ") + e.what());
  }
}

}  // namespace swt::train
