// A model directory: everything `swt translate` needs, nothing it does not.
//   config.json        {"format": "swt-model", "model": {...}, "preprocess": {...}}
//   src.vocab tgt.vocab  vocabularies (text, one "token<TAB>count" per line)
//   model.safetensors  weights, names as in docs/model-format.md
#pragma once

#include <string>

#include "model/safetensors.h"
#include "model/transformer.h"
#include "text/tokenizer.h"
#include "text/vocab.h"

namespace swt::model {

// How raw text becomes tokens; applied identically in training and translation.
struct Preprocess {
  std::string
      strip_src_prefix;  // removed from the start of source lines if present (e.g. "<ASV> ")
  bool nfkc = false;
};

struct ModelBundle {
  ModelConfig config;
  Preprocess preprocess;
  text::Vocab src_vocab, tgt_vocab;
  Transformer model{nullptr};
};

TensorMap state_dict(const torch::nn::Module& module);
// Copies `weights` into the module; missing, unexpected or mis-shaped tensors are
// errors naming `origin`.
void load_state_dict(torch::nn::Module& module, const TensorMap& weights,
                     const std::string& origin);

// Fine-tuning: copies the tensors the module and `weights` share and returns
// the names of the module's tensors `weights` lacks (they keep their values).
// Tensors only in `weights` are ignored; a shape mismatch is an error.
std::vector<std::string> load_matching_weights(torch::nn::Module& module, const TensorMap& weights,
                                               const std::string& origin);

// Writes config, vocabularies and weights as one set: a reader (or a run killed
// at any moment and restarted) sees either the whole old set or the whole new one.
void save_model_dir(const std::string& dir, const ModelBundle& bundle);
// The path to read file `name` of the model in `dir` from ("DIR/name", or its
// replacement when a save was interrupted after its commit point).
std::string model_file(const std::string& dir, const std::string& name);
// Fails with one line if the directory is missing or is not an swt model.
ModelBundle load_model_dir(const std::string& dir, torch::Device device = torch::kCPU);

nlohmann::json to_json(const Preprocess& p);
Preprocess preprocess_from_json(const nlohmann::json& j);

}  // namespace swt::model
