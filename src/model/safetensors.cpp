#include "model/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
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

uint64_t read_u64_le(const char* bytes) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

// Reads exactly `n` bytes at `offset` into `out`.
void read_at(std::ifstream& in, const std::string& path, uint64_t offset, char* out, uint64_t n) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(out, static_cast<std::streamsize>(n));
  if (!in || static_cast<uint64_t>(in.gcount()) != n)
    fail_at(path, 0, "read failed (file changed or truncated while reading?)");
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
  std::string length;
  append_u64_le(length, head.size());
  std::vector<std::string_view> parts = {length, head};
  for (const auto& t : blobs)
    parts.emplace_back(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  write_file_atomic(path, parts);
}

namespace {

// One header entry, checked against the file before anything is allocated.
struct Entry {
  std::string name;
  torch::ScalarType type;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

// Reads and checks one entry: JSON types, a known dtype, non-negative
// dimensions whose byte size neither overflows nor differs from the offsets,
// and offsets inside the data section. Any mismatch is a one-line error.
Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& info,
                  uint64_t data_len) {
  auto bad = [&](const std::string& problem) {
    fail_at(path, 0, "tensor '" + name + "': " + problem);
  };
  Entry e;
  e.name = name;
  if (!info.is_object()) bad("header entry is not an object");
  const auto dtype = info.find("dtype");
  if (dtype == info.end() || !dtype->is_string() ||
      !dtype_from_name(dtype->get<std::string>(), &e.type))
    bad("unknown or missing dtype");
  const auto shape = info.find("shape");
  if (shape == info.end() || !shape->is_array()) bad("shape is not a list");
  // LibTorch keeps sizes, strides and byte counts in int64: every dimension, and
  // the product of all of them with zeros counted as one, must fit (a zero
  // elsewhere does not make [0, 2^63] a valid shape).
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  uint64_t bytes = c10::elementSize(e.type), extent = bytes;
  for (const auto& d : *shape) {
    if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<int64_t>() >= 0))
      bad("shape has a negative or non-integer dimension");
    const uint64_t dim = d.get<uint64_t>();
    if (dim > kMax || extent > kMax / std::max<uint64_t>(dim, 1)) bad("shape is too large");
    extent *= std::max<uint64_t>(dim, 1);
    bytes *= dim;
    e.shape.push_back(static_cast<int64_t>(dim));
  }
  const auto offsets = info.find("data_offsets");
  if (offsets == info.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
    bad("data_offsets is not a pair of non-negative integers");
  e.begin = (*offsets)[0].get<uint64_t>();
  e.end = (*offsets)[1].get<uint64_t>();
  if (e.end < e.begin || e.end - e.begin != bytes)
    bad("inconsistent offsets (" + std::to_string(e.end) + " - " + std::to_string(e.begin) +
        " bytes for a shape of " + std::to_string(bytes) + " bytes)");
  if (e.end > data_len) fail_at(path, 0, "truncated: tensor '" + name + "' is cut off");
  return e;
}

}  // namespace

TensorMap load_safetensors(const std::string& path, std::map<std::string, std::string>* metadata) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail_at(path, 0, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_at(path, 0, "cannot open (missing model file?)");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) fail_at(path, 0, "cannot read the file size");
  if (file_size < 8) fail_at(path, 0, "not a safetensors file (shorter than 8 bytes)");
  char length[8];
  read_at(in, path, 0, length, 8);
  const uint64_t head_len = read_u64_le(length);
  if (head_len > file_size - 8) fail_at(path, 0, "not a safetensors file or truncated header");
  std::string head(head_len, '\0');
  read_at(in, path, 8, head.data(), head_len);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(head);
  } catch (const nlohmann::json::exception&) {
    fail_at(path, 0, "not a safetensors file (header is not JSON)");
  }
  if (!header.is_object()) fail_at(path, 0, "not a safetensors file (header is not an object)");
  const uint64_t data_start = 8 + head_len;
  const uint64_t data_len = file_size - data_start;
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name != "__metadata__") {
      entries.push_back(parse_entry(path, name, info, data_len));
      continue;
    }
    if (!info.is_object()) fail_at(path, 0, "__metadata__ is not an object");
    for (const auto& [key, value] : info.items())
      if (!value.is_string()) fail_at(path, 0, "__metadata__ value '" + key + "' is not a string");
    if (metadata) *metadata = info.get<std::map<std::string, std::string>>();
  }
  // Every byte belongs to at most one tensor.
  std::vector<const Entry*> by_offset;
  for (const auto& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      fail_at(path, 0,
              "tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");
  // Only now, with every size checked against the file, allocate and read each
  // tensor straight into its storage.
  TensorMap out;
  for (const auto& e : entries) {
    auto t = torch::empty(e.shape, torch::TensorOptions().dtype(e.type));
    if (e.end > e.begin)
      read_at(in, path, data_start + e.begin, static_cast<char*>(t.data_ptr()), e.end - e.begin);
    out[e.name] = t;
  }
  return out;
}

}  // namespace swt::model
