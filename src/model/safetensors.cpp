#include "model/safetensors.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/text_file.h"

namespace swt::model {

namespace {

struct DtypeName {
  torch::ScalarType type;
  const char* name;
};

constexpr DtypeName kDtypes[] = {{torch::kFloat, "F32"}, {torch::kDouble, "F64"},
                                 {torch::kHalf, "F16"},  {torch::kBFloat16, "BF16"},
                                 {torch::kLong, "I64"},  {torch::kInt, "I32"},
                                 {torch::kShort, "I16"}, {torch::kChar, "I8"},
                                 {torch::kByte, "U8"},   {torch::kBool, "BOOL"}};

const char* dtype_name(torch::ScalarType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return d.name;
  fail(std::string("safetensors: unsupported dtype ") + c10::toString(t));
}

bool dtype_from_name(const std::string& name, torch::ScalarType* t) {
  for (const auto& d : kDtypes)
    if (name == d.name) {
      *t = d.type;
      return true;
    }
  return false;
}

void append_u64_le(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t read_u64_le(const std::string& bytes) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_at(path, 0, "cannot open (missing model file?)");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> blobs;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = t.numel() * t.element_size();
    header[name] = {{"dtype", dtype_name(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    blobs.push_back(t);
  }
  std::string head = header.dump();
  head.append((8 - head.size() % 8) % 8, ' ');  // align data to 8 bytes, as the format allows
  std::string out;
  out.reserve(8 + head.size() + offset);
  append_u64_le(out, head.size());
  out += head;
  for (const auto& t : blobs)
    out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  write_file_atomic(path, out);
}

TensorMap load_safetensors(const std::string& path, std::map<std::string, std::string>* metadata) {
  const std::string bytes = read_file_bytes(path);
  if (bytes.size() < 8) fail_at(path, 0, "not a safetensors file (shorter than 8 bytes)");
  const uint64_t head_len = read_u64_le(bytes);
  if (head_len > bytes.size() - 8) fail_at(path, 0, "not a safetensors file or truncated header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.substr(8, head_len));
  } catch (const nlohmann::json::exception&) {
    fail_at(path, 0, "not a safetensors file (header is not JSON)");
  }
  if (!header.is_object()) fail_at(path, 0, "not a safetensors file (header is not an object)");
  const uint64_t data_start = 8 + head_len;
  const uint64_t data_len = bytes.size() - data_start;
  TensorMap out;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (metadata) *metadata = info.get<std::map<std::string, std::string>>();
      continue;
    }
    torch::ScalarType type;
    if (!info.contains("dtype") || !dtype_from_name(info["dtype"].get<std::string>(), &type))
      fail_at(path, 0, "tensor '" + name + "' has an unknown dtype");
    auto shape = info.at("shape").get<std::vector<int64_t>>();
    auto offsets = info.at("data_offsets").get<std::vector<uint64_t>>();
    auto t = torch::empty(shape, torch::TensorOptions().dtype(type));
    const uint64_t expected = t.numel() * t.element_size();
    if (offsets.size() != 2 || offsets[1] < offsets[0] || offsets[1] - offsets[0] != expected)
      fail_at(path, 0, "tensor '" + name + "' has inconsistent offsets");
    if (offsets[1] > data_len) fail_at(path, 0, "truncated: tensor '" + name + "' is cut off");
    std::memcpy(t.data_ptr(), bytes.data() + data_start + offsets[0], expected);
    out[name] = t;
  }
  return out;
}

}  // namespace swt::model
