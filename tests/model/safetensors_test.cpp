#include "model/safetensors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/model_dir.h"
#include "support/run_command.h"
#include "util/error.h"

namespace swt::model {

TEST(Safetensors, RoundTripKeepsNamesDtypesShapesAndValues) {
  const auto dir = testing::temp_dir("safetensors");
  TensorMap in = {{"a.weight", torch::randn({3, 4})},
                  {"b", torch::arange(5, torch::kLong)},
                  {"scalar", torch::tensor(2.5, torch::kDouble)},
                  {"empty", torch::zeros({0, 7})}};
  save_safetensors(dir + "/t.safetensors", in, {{"format", "test"}});
  std::map<std::string, std::string> meta;
  auto out = load_safetensors(dir + "/t.safetensors", &meta);
  ASSERT_EQ(out.size(), in.size());
  for (const auto& [name, t] : in) {
    EXPECT_EQ(out[name].scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(out[name], t)) << name;
  }
  EXPECT_EQ(meta["format"], "test");
}

TEST(Safetensors, HeaderFollowsTheFormat) {
  const auto dir = testing::temp_dir("safetensors_header");
  save_safetensors(dir + "/t.safetensors", {{"x", torch::ones({2})}});
  std::ifstream in(dir + "/t.safetensors", std::ios::binary);
  unsigned char len[8];
  in.read(reinterpret_cast<char*>(len), 8);
  std::string header(len[0], ' ');
  in.read(header.data(), len[0]);
  EXPECT_EQ(header.substr(0, header.find_last_not_of(' ') + 1),
            R"({"x":{"data_offsets":[0,8],"dtype":"F32","shape":[2]}})");
}

TEST(Safetensors, TruncatedAndForeignFilesAreClearErrors) {
  const auto dir = testing::temp_dir("safetensors_bad");
  const auto path = dir + "/t.safetensors";
  save_safetensors(path, {{"x", torch::ones({100})}});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  try {
    load_safetensors(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": truncated: tensor 'x' is cut off");
  }
  std::ofstream(dir + "/foreign.safetensors") << "PK\x03\x04 this is a zip file, not tensors";
  EXPECT_THROW(load_safetensors(dir + "/foreign.safetensors"), Error);
}

TEST(StateDict, MismatchedShapesNameTheTensor) {
  torch::nn::Linear a(3, 4), b(3, 5);
  try {
    load_state_dict(*b, state_dict(*a), "weights.safetensors");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'bias' has shape [4], the model expects [5]"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace swt::model
