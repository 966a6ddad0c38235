// swt export --model DIR --out FILE.safetensors
// One self-contained safetensors file: the weights under the names documented in
// docs/model-format.md, and the model's config.json in the `__metadata__`
// header, so another implementation (bench/pytorch/swt_reference.py) can
// rebuild the model from this file alone.
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "model/model_dir.h"
#include "model/safetensors.h"

namespace swt::cli {

namespace {

struct ExportArgs {
  std::string model, out;
};

// Same layout as the model directory's config.json, so one parser reads both.
std::string config_json(const model::ModelBundle& bundle) {
  nlohmann::json config = {{"format", "swt-model"},
                           {"format_version", 1},
                           {"model", model::to_json(bundle.config)},
                           {"preprocess", model::to_json(bundle.preprocess)}};
  return config.dump();
}

void run_export(const ExportArgs& a) {
  auto bundle = model::load_model_dir(a.model);
  const auto weights = model::state_dict(*bundle.model);
  // safetensors metadata is a string -> string map: the config travels as JSON text.
  const std::map<std::string, std::string> metadata = {
      {"format", "swt-export"}, {"format_version", "1"}, {"config", config_json(bundle)}};
  model::save_safetensors(a.out, weights, metadata);  // atomic: temp + fsync + rename
  int64_t params = 0;
  for (const auto& [name, t] : weights) params += t.numel();
  std::cout << "exported " << weights.size() << " tensors (" << params << " parameters) to "
            << a.out << "\n";
}

void setup_export(CLI::App& sub) {
  auto a = std::make_shared<ExportArgs>();
  sub.add_option("--model,-m", a->model, "model directory written by swt train")->required();
  sub.add_option("--out,-o", a->out, "safetensors file to write (weights + config metadata)")
      ->required();
  sub.callback([a] { run_export(*a); });
}

const RegisterCommand kRegister("export",
                                "write a model as one safetensors file (weights + config)",
                                setup_export);

}  // namespace

}  // namespace swt::cli
