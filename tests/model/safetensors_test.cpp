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

namespace {

// A safetensors file with the given header (padded to 8 bytes) and data.
void write_raw(const std::string& path, std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  std::ofstream(path, std::ios::binary) << out << header << data;
}

}  // namespace

// Hostile headers are one-line errors found before any allocation.
TEST(Safetensors, HostileHeadersAreCheckedBeforeAllocating) {
  const auto dir = testing::temp_dir("safetensors_hostile");
  const auto path = dir + "/t.safetensors";
  const std::string data(16, '\0');
  const std::pair<std::string, std::string> cases[] = {
      {R"({"x":{"dtype":"F32","shape":[1000000000000,1000000000],"data_offsets":[0,16]}})",
       "tensor 'x': shape is too large"},
      {R"({"x":{"dtype":"F32","shape":[4000000000],"data_offsets":[0,16]}})",
       "tensor 'x': inconsistent offsets (16 - 0 bytes for a shape of 16000000000 bytes)"},
      {R"({"x":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})",
       "tensor 'x': shape has a negative or non-integer dimension"},
      {R"({"x":{"dtype":"F32","shape":"4","data_offsets":[0,16]}})",
       "tensor 'x': shape is not a list"},
      {R"({"x":{"dtype":7,"shape":[4],"data_offsets":[0,16]}})",
       "tensor 'x': unknown or missing dtype"},
      {R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0]}})",
       "tensor 'x': data_offsets is not a pair of non-negative integers"},
      {R"({"x":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})",
       "truncated: tensor 'x' is cut off"},
      {R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
       R"("y":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
       "tensors 'x' and 'y' overlap"},
      {R"({"__metadata__":{"a":1}})", "__metadata__ value 'a' is not a string"},
      {R"({"x":[1,2]})", "tensor 'x': header entry is not an object"},
  };
  for (const auto& [header, message] : cases) {
    write_raw(path, header, data);
    try {
      load_safetensors(path);
      ADD_FAILURE() << "accepted: " << header;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), path + ": " + message) << header;
    }
  }
  // A well-formed hand-written file loads.
  write_raw(path, R"({"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", data);
  EXPECT_TRUE(torch::equal(load_safetensors(path).at("x"), torch::zeros({2, 2})));
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
