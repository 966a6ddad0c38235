// Every bad input a user can give, through the real `swt` binary: options out
// of range, broken input files, and truncated, foreign or hostile model
// directories. Each must be answered with exactly one line "error: ...",
// exit status 1, and nothing written (no output file, the model directory
// untouched).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_command.h"

namespace swt {

namespace {

namespace fs = std::filesystem;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Every file under `dir` with its size and modification time: equal snapshots
// mean nothing was written.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) {
      files[e.path().string()] = "dir";
      continue;
    }
    files[e.path().string()] = std::to_string(e.file_size()) + "@" +
                               std::to_string(e.last_write_time().time_since_epoch().count());
  }
  return files;
}

// The error contract: status 1, one line "error: ...", containing `expected`.
void expect_one_line_error(const testing::CommandResult& r, const std::string& expected,
                           const std::string& what) {
  EXPECT_EQ(r.status, 1) << what << "\n" << r.output;
  EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << what << "\n" << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << what << "\n" << r.output;
  EXPECT_NE(r.output.find(expected), std::string::npos)
      << what << ": expected '" << expected << "' in\n"
      << r.output;
}

// Splits a safetensors file into its JSON header and data section.
struct Safetensors {
  nlohmann::json header;
  std::string data;
};

Safetensors read_safetensors(const std::string& path) {
  const auto bytes = read_bytes(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  return {nlohmann::json::parse(bytes.substr(8, n)), bytes.substr(8 + n)};
}

void write_safetensors(const std::string& path, const Safetensors& s) {
  const auto head = s.header.dump();
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((head.size() >> (8 * i)) & 0xFF));
  write_bytes(path, out + head + s.data);
}

// A tiny model trained for two steps through the CLI, once for all cases.
class BadInputs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(testing::temp_dir("bad_inputs"));
    const std::string cd = "cd " + *root_ + " && ";
    auto r =
        testing::run_shell(cd + SWT_BINARY + " data toy --task copy --out data --train-size 200" +
                           " --dev-size 5 --test-size 5");
    ASSERT_EQ(r.status, 0) << r.output;
    std::ofstream(*root_ + "/train.yaml")
        << "data:\n  train_src: data/train.src\n  train_tgt: data/train.tgt\n"
        << "  dev_src: data/dev.src\n  dev_tgt: data/dev.tgt\n"
        << "model:\n  preset: tiny\n  d_model: 32\n  d_ff: 64\n  heads: 2\n"
        << "train:\n  max_steps: 2\n  valid_every: 2\n  valid_sentences: 2\n";
    r = testing::run_shell(cd + SWT_BINARY + " train --config train.yaml --model-dir model");
    ASSERT_EQ(r.status, 0) << r.output;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }

  static std::string root() { return *root_; }
  static std::string model() { return *root_ + "/model"; }

  // Runs `args` (with {root} replaced) and checks the error contract and that
  // nothing under the work directory changed.
  void expect_refused(const std::string& args, const std::string& expected) {
    std::string command = args;
    for (size_t at; (at = command.find("{root}")) != std::string::npos;)
      command.replace(at, 6, root());
    const auto before = snapshot(root());
    const auto r = testing::run_shell("cd " + root() + " && " + SWT_BINARY + " " + command);
    expect_one_line_error(r, expected, command);
    EXPECT_EQ(snapshot(root()), before) << command << ": wrote files";
  }

  // A copy of the trained model with one file broken by `mutate`; translate,
  // export, score and fine-tuning from it must all refuse it.
  void expect_model_refused(const std::string& name,
                            const std::function<void(const std::string& dir)>& mutate,
                            const std::string& expected) {
    const auto dir = root() + "/broken-" + name;
    fs::remove_all(dir);
    fs::copy(model(), dir, fs::copy_options::recursive);
    mutate(dir);
    const auto d = "broken-" + name;
    expect_refused("translate --model " + d + " --input data/test.src --output out.txt", expected);
    expect_refused("export --model " + d + " --out out.safetensors", expected);
    expect_refused("score --model " + d + " --src data/test.src --tgt data/test.tgt --out out.st",
                   expected);
    expect_refused("train --config train.yaml --model-dir tuned --set train.init_from=" + d,
                   expected);
  }

  static std::string* root_;
};

std::string* BadInputs::root_ = nullptr;

}  // namespace

TEST_F(BadInputs, OptionsOutOfRange) {
  const std::pair<const char*, const char*> cases[] = {
      {"translate --model model --input data/test.src --output out.txt --beam 0",
       "beam must be >= 1, got 0"},
      {"translate --model model --input data/test.src --output out.txt --beam 2 --nbest 3",
       "nbest must be <= beam (2), got 3"},
      {"translate --model model --input data/test.src --output out.txt --batch-size 0",
       "batch_size must be >= 1, got 0"},
      {"translate --model model --input data/test.src --output out.txt --length-penalty -1",
       "length_penalty must be >= 0"},
      {"translate --model model --input data/test.src --output out.txt --max-length-a -1",
       "max_length_a must be >= 0"},
      {"translate --model model --input data/test.src --output out.txt --max-length-a 0 "
       "--max-length-b 0",
       "no output could be produced"},
      {"translate --model model --input data/test.src --output out.txt --encoder-layers 9",
       "encoder_layers must be between 0 and the model's"},
      {"translate --model model --input data/test.src --output out.txt --exit-threshold 2",
       "exit_threshold must be in [0, 1], got 2"},
      {"translate --model model --input data/test.src --output out.txt --depth-policy deep",
       "unknown depth policy 'deep'"},
      {"translate --model model --input data/test.src --output out.txt --threads -1",
       "threads must be between 0 (all cores) and 4096, got -1"},
      {"translate --model model --input data/test.src --output out.txt --precision fp8",
       "--precision must be fp32, bf16 or auto, got 'fp8'"},
      {"translate --model model --input data/test.src --output out.txt --beam two", "--beam"},
      {"translate --input data/test.src --output out.txt", "--model is required"},
      {"translate --model model --bogus-flag", "bogus-flag"},
      {"score --model model --src data/test.src --tgt data/test.tgt --out out.st "
       "--batch-size 0",
       "--batch-size: must be >= 1, got 0"},
      {"train --config train.yaml --model-dir new --set train.log_every=0",
       "train.log_every must be >= 1, got 0"},
      {"train --config train.yaml --model-dir new --set train.threads=-2",
       "train.threads must be in [0, 4096], got -2"},
      {"train --config train.yaml --model-dir new --set model.heads=3",
       "must be divisible by model.heads"},
      {"train --config train.yaml --model-dir new --set model.d_model=100000",
       "model.d_model must be <= 65536"},
      {"train --config train.yaml --model-dir new --set train.nosuchkey=1",
       "unknown config key 'train.nosuchkey'"},
      {"eval --hyp data/test.tgt --ref data/test.tgt --metrics bleu,meteor", "meteor"},
      {"data toy --task copy --out newdata --min-len 5 --max-len 3", "len"},
      {"vocab --input data/train.src --output new.vocab --min-count -1",
       "--min-count: must be >= 0, got -1"},
      {"bench attention --lengths 0", "--lengths: must be >= 1, got 0"},
      {"bench linear --repeats 0", "--repeats: must be >= 1, got 0"},
  };
  for (const auto& [args, expected] : cases) expect_refused(args, expected);
}

TEST_F(BadInputs, BrokenInputFiles) {
  write_bytes(root() + "/latin1.txt", "caf\xe9\n");
  write_bytes(root() + "/short.tgt", "a b\n");
  write_bytes(root() + "/bad.yaml", "train: [unclosed\n");
  fs::create_directories(root() + "/a_directory");
  const std::pair<std::string, std::string> cases[] = {
      {"translate --model model --input missing.txt --output out.txt", "missing.txt"},
      {"translate --model model --input latin1.txt --output out.txt",
       "latin1.txt:1: invalid UTF-8"},
      {"translate --model model --input a_directory --output out.txt",
       "a_directory: is a directory"},
      {"eval --hyp data/test.tgt --ref short.tgt", "short.tgt"},
      {"eval --hyp latin1.txt --ref latin1.txt", "invalid UTF-8"},
      {"train --config missing.yaml --model-dir new", "missing.yaml"},
      {"train --config bad.yaml --model-dir new", "invalid YAML"},
      {"train --config train.yaml --model-dir new --set data.train_tgt=short.tgt", "short.tgt"},
      {"train --config train.yaml --model-dir new --set data.train_src=latin1.txt",
       "invalid UTF-8"},
      {"vocab --input missing.txt --output new.vocab", "missing.txt"},
      {"score --model model --src data/test.src --tgt short.tgt --out out.st", "short.tgt"},
  };
  for (const auto& [args, expected] : cases) expect_refused(args, expected);
}

TEST_F(BadInputs, BrokenModelDirectories) {
  const auto config = [](const std::function<void(nlohmann::json&)>& edit) {
    return [edit](const std::string& dir) {
      auto j = nlohmann::json::parse(read_bytes(dir + "/config.json"));
      edit(j);
      write_bytes(dir + "/config.json", j.dump());
    };
  };
  const auto weights = [](const std::function<void(Safetensors&)>& edit) {
    return [edit](const std::string& dir) {
      auto s = read_safetensors(dir + "/model.safetensors");
      edit(s);
      write_safetensors(dir + "/model.safetensors", s);
    };
  };
  const auto first_tensor = [](Safetensors& s) -> nlohmann::json& {
    for (auto& [name, info] : s.header.items())
      if (name != "__metadata__") return info;
    throw std::logic_error("no tensor");
  };
  const auto file = [](const std::string& name, const std::string& bytes) {
    return [name, bytes](const std::string& dir) { write_bytes(dir + "/" + name, bytes); };
  };

  expect_model_refused("config-not-json", file("config.json", "{\"format\": "), "invalid JSON");
  expect_model_refused("config-foreign", file("config.json", "{\"architectures\": [\"Bert\"]}"),
                       "not an swt model config");
  expect_model_refused("config-no-model", config([](auto& j) { j.erase("model"); }), "config.json");
  expect_model_refused("config-type", config([](auto& j) { j["model"]["d_model"] = "wide"; }),
                       "config.json");
  expect_model_refused("config-negative",
                       config([](auto& j) { j["model"]["decoder_layers"] = -1; }),
                       "model.decoder_layers must be positive");
  expect_model_refused("config-huge", config([](auto& j) { j["model"]["d_ff"] = 1 << 30; }),
                       "model.d_ff must be <= 65536");
  expect_model_refused("config-too-big-for-weights", config([](auto& j) {
                         j["model"]["d_model"] = 8192;
                         j["model"]["d_ff"] = 32768;
                       }),
                       "too small for the model config.json describes");
  expect_model_refused("config-preprocess", config([](auto& j) { j["preprocess"]["nfkc"] = 3; }),
                       "config.json");
  expect_model_refused(
      "vocab-missing", [](const std::string& d) { fs::remove(d + "/src.vocab"); }, "src.vocab");
  expect_model_refused("vocab-garbage", file("tgt.vocab", "<pad>\tzero\n"), "tgt.vocab:1");
  expect_model_refused(
      "vocab-size",
      [](const std::string& d) {
        std::ofstream(d + "/src.vocab", std::ios::app) << "extra\t1\n";
        std::ofstream(d + "/tgt.vocab", std::ios::app) << "extra\t1\n";
      },
      "vocabulary sizes do not match config.json");
  expect_model_refused(
      "weights-missing", [](const std::string& d) { fs::remove(d + "/model.safetensors"); },
      "model.safetensors");
  expect_model_refused("weights-empty", file("model.safetensors", ""), "model.safetensors");
  expect_model_refused(
      "weights-truncated",
      [](const std::string& d) {
        const auto p = d + "/model.safetensors";
        fs::resize_file(p, fs::file_size(p) / 2);
      },
      "model.safetensors");
  expect_model_refused("weights-foreign", file("model.safetensors", std::string(4096, 'x')),
                       "model.safetensors");
  expect_model_refused("weights-huge-shape", weights([&](Safetensors& s) {
                         first_tensor(s)["shape"] = {1LL << 40, 1LL << 40};
                       }),
                       "model.safetensors");
  expect_model_refused("weights-renamed", weights([](Safetensors& s) {
                         auto name = s.header.items().begin().key();
                         if (name == "__metadata__")
                           name = std::next(s.header.items().begin()).key();
                         s.header["renamed.weight"] = s.header[name];
                         s.header.erase(name);
                       }),
                       "tensor '");
  expect_model_refused("weights-reshaped", weights([&](Safetensors& s) {
                         auto& shape = first_tensor(s)["shape"];
                         if (shape.size() == 2) {
                           std::swap(shape[0], shape[1]);
                           if (shape[0] == shape[1])
                             shape = {shape[0].get<int64_t>() * shape[1].get<int64_t>()};
                         } else {
                           shape = {1, shape[0]};
                         }
                       }),
                       "has shape");
  expect_model_refused("weights-dtype",
                       weights([&](Safetensors& s) { first_tensor(s)["dtype"] = "F16"; }),
                       "inconsistent offsets");
  expect_model_refused(
      "config-is-directory",
      [](const std::string& d) {
        fs::remove(d + "/config.json");
        fs::create_directories(d + "/config.json");
      },
      "config.json");
}

TEST_F(BadInputs, BrokenCheckpoints) {
  const std::pair<std::string, std::string> cases[] = {
      {"state.json", "{\"step\": \"many\"}"},
      {"optimizer.pt", "not a torch archive"},
      {"model.safetensors", "truncated"},
      {"rng.safetensors", ""},
  };
  for (const auto& [name, bytes] : cases) {
    const auto dir = root() + "/resume-" + name;
    fs::remove_all(dir);
    fs::copy(model(), dir, fs::copy_options::recursive);
    write_bytes(dir + "/checkpoint/" + name, bytes);
    expect_refused("train --config train.yaml --resume --model-dir resume-" + name,
                   "checkpoint/" + name);
  }
}

}  // namespace swt
