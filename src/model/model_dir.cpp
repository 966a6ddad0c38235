#include "model/model_dir.h"

#include <filesystem>
#include <fstream>

#include "util/error.h"
#include "util/text_file.h"

namespace swt::model {

namespace fs = std::filesystem;

TensorMap state_dict(const torch::nn::Module& module) {
  TensorMap out;
  for (const auto& item : module.named_parameters()) out[item.key()] = item.value();
  for (const auto& item : module.named_buffers()) out[item.key()] = item.value();
  return out;
}

std::vector<std::string> load_matching_weights(torch::nn::Module& module, const TensorMap& weights,
                                               const std::string& origin) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> fresh;
  for (const auto& [name, tensor] : state_dict(module)) {
    auto it = weights.find(name);
    if (it == weights.end()) {
      fresh.push_back(name);
      continue;
    }
    if (it->second.sizes() != tensor.sizes())
      fail_at(origin, 0,
              "tensor '" + name + "' has shape " + c10::str(it->second.sizes()) +
                  ", the model expects " + c10::str(tensor.sizes()));
    tensor.copy_(it->second);
  }
  return fresh;
}

void load_state_dict(torch::nn::Module& module, const TensorMap& weights,
                     const std::string& origin) {
  const auto missing = load_matching_weights(module, weights, origin);
  if (!missing.empty()) fail_at(origin, 0, "missing tensor '" + missing.front() + "'");
  const auto own = state_dict(module);
  for (const auto& [name, tensor] : weights)
    if (!own.count(name)) fail_at(origin, 0, "unexpected tensor '" + name + "'");
}

nlohmann::json to_json(const Preprocess& p) {
  return {{"strip_src_prefix", p.strip_src_prefix}, {"nfkc", p.nfkc}};
}

Preprocess preprocess_from_json(const nlohmann::json& j) {
  Preprocess p;
  p.strip_src_prefix = j.value("strip_src_prefix", "");
  p.nfkc = j.value("nfkc", false);
  return p;
}

namespace {

// The files of a model, written and replaced as one set.
constexpr const char* kModelFiles[] = {"src.vocab", "tgt.vocab", "model.safetensors",
                                       "config.json"};
// Present while a new set is being moved into place: its "X.next" files are complete.
constexpr const char* kCommitMarker = ".commit";

std::string next_path(const std::string& dir, const std::string& name) {
  return dir + "/" + name + ".next";
}

// True for the temporary file of an interrupted write_file_atomic of a model file.
bool stale_temp_file(const std::string& file_name) {
  for (const char* name : kModelFiles)
    if (file_name.rfind(std::string(name) + ".", 0) == 0 &&
        file_name.find(".tmp.") != std::string::npos)
      return true;
  return false;
}

// Finishes an interrupted save (roll forward) or drops a half-written one.
void settle_model_dir(const std::string& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (stale_temp_file(entry.path().filename().string())) fs::remove(entry.path());
  const bool committed = fs::exists(dir + "/" + kCommitMarker);
  for (const char* name : kModelFiles) {
    const auto next = next_path(dir, name);
    if (!fs::exists(next)) continue;
    if (committed)
      fs::rename(next, dir + "/" + name);
    else
      fs::remove(next);
  }
  fs::remove(dir + "/" + kCommitMarker);
}

// A lower bound of the parameters `c` implies (embeddings and the attention and
// feed-forward matrices; biases, norms and switch extras left out).
double min_parameters(const ModelConfig& c) {
  const double d = static_cast<double>(c.d_model), ff = static_cast<double>(c.d_ff);
  const double embeddings =
      d * static_cast<double>(c.tgt_vocab_size + (c.share_embeddings ? 0 : c.src_vocab_size));
  const double encoder_layer = 4 * d * d + 2 * d * ff, decoder_layer = 8 * d * d + 2 * d * ff;
  return embeddings + static_cast<double>(c.encoder_layers) * encoder_layer +
         static_cast<double>(c.decoder_layers) * decoder_layer;
}

// Refuses a config whose model could not fit in the weights file (at one byte
// per parameter) before the model is built: a mistyped or hostile config.json
// would otherwise allocate far more memory than the file holds.
void check_weights_fit(const ModelConfig& c, const std::string& weights_path) {
  std::error_code ec;
  const auto bytes = fs::file_size(weights_path, ec);
  if (ec) fail_at(weights_path, 0, "cannot open (missing model file?)");
  if (min_parameters(c) > static_cast<double>(bytes))
    fail_at(weights_path, 0,
            "too small for the model config.json describes (" + std::to_string(bytes) +
                " bytes for at least " + std::to_string(static_cast<int64_t>(min_parameters(c))) +
                " parameters: mixed-up or truncated model files?)");
}

}  // namespace

std::string model_file(const std::string& dir, const std::string& name) {
  const auto next = next_path(dir, name);
  if (fs::exists(dir + "/" + kCommitMarker) && fs::exists(next)) return next;
  return dir + "/" + name;
}

void save_model_dir(const std::string& dir, const ModelBundle& bundle) {
  fs::create_directories(dir);
  settle_model_dir(dir);
  nlohmann::json config = {{"format", "swt-model"},
                           {"format_version", 1},
                           {"model", to_json(bundle.config)},
                           {"preprocess", to_json(bundle.preprocess)}};
  // 1. The new set beside the old one: a kill here leaves the old set intact.
  bundle.src_vocab.save(next_path(dir, "src.vocab"));
  bundle.tgt_vocab.save(next_path(dir, "tgt.vocab"));
  save_safetensors(next_path(dir, "model.safetensors"), state_dict(*bundle.model),
                   {{"format", "swt-model"}});
  write_file_atomic(next_path(dir, "config.json"), config.dump(2) + "\n");
  // 2. The commit point: from here on readers take the new set (model_file).
  write_file_atomic(dir + "/" + kCommitMarker, "");
  // 3. Move the new files into place and drop the marker.
  settle_model_dir(dir);
}

ModelBundle load_model_dir(const std::string& dir, torch::Device device) {
  if (!fs::is_directory(dir)) fail_at(dir, 0, "model directory does not exist");
  const std::string config_path = model_file(dir, "config.json");
  if (!fs::exists(config_path))
    fail_at(dir, 0, "not an swt model directory (no config.json; was training finished?)");
  if (fs::is_directory(config_path)) fail_at(config_path, 0, "is a directory, not a file");
  nlohmann::json config;
  try {
    std::ifstream in(config_path);
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail_at(config_path, 0, std::string("invalid JSON: ") + e.what());
  }
  if (!config.is_object() || !config.contains("format") || config["format"] != "swt-model")
    fail_at(config_path, 0, "not an swt model config (missing \"format\": \"swt-model\")");
  if (!config.contains("model") || !config["model"].is_object())
    fail_at(config_path, 0, "missing the \"model\" section");
  ModelBundle b;
  b.config = model_config_from_json(config["model"], config_path);
  try {
    b.preprocess = preprocess_from_json(config.value("preprocess", nlohmann::json::object()));
  } catch (const nlohmann::json::exception& e) {
    fail_at(config_path, 0, std::string("bad preprocess section: ") + e.what());
  }
  b.src_vocab = text::Vocab::load(model_file(dir, "src.vocab"));
  b.tgt_vocab = text::Vocab::load(model_file(dir, "tgt.vocab"));
  if (b.src_vocab.size() != b.config.src_vocab_size ||
      b.tgt_vocab.size() != b.config.tgt_vocab_size)
    fail_at(dir, 0, "vocabulary sizes do not match config.json (mixed-up model files?)");
  const auto weights_path = model_file(dir, "model.safetensors");
  check_weights_fit(b.config, weights_path);
  b.model = Transformer(b.config);
  load_state_dict(*b.model, load_safetensors(weights_path), weights_path);
  b.model->to(device);
  b.model->eval();
  return b;
}

}  // namespace swt::model
