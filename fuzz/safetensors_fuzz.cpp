// Fuzzes the safetensors reader (load_safetensors, src/model/safetensors.*):
// the input is written to a scratch file and loaded. swt::Error is the reader's
// deliberate answer to a bad file; anything else escaping (c10::Error,
// nlohmann::json exceptions, std::bad_alloc...) or a sanitizer report is a bug.
// A file that loads must save and load back to the same tensors and metadata.
#include <cstring>

#include "fuzz_util.h"
#include "model/safetensors.h"
#include "util/error.h"

namespace {

bool same(const swt::model::TensorMap& a, const swt::model::TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    const auto it = b.find(name);
    if (it == b.end()) return false;
    const auto& u = it->second;
    if (t.scalar_type() != u.scalar_type() || t.sizes() != u.sizes()) return false;
    const auto bytes = t.numel() * t.element_size();
    if (bytes > 0 && std::memcmp(t.data_ptr(), u.data_ptr(), bytes) != 0) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = swt::fuzz::scratch_path("safetensors");
  swt::fuzz::write_bytes(path, std::string_view(reinterpret_cast<const char*>(data), size));
  swt::model::TensorMap tensors;
  std::map<std::string, std::string> metadata;
  try {
    tensors = swt::model::load_safetensors(path, &metadata);
  } catch (const swt::Error&) {
    return 0;
  }
  for (const auto& [name, t] : tensors) {
    SWT_FUZZ_CHECK(t.is_contiguous(), "tensor '%s' not contiguous", name.c_str());
    SWT_FUZZ_CHECK(static_cast<std::size_t>(t.numel() * t.element_size()) <= size,
                   "tensor '%s' larger than the file", name.c_str());
  }
  const std::string copy = path + ".copy";
  swt::model::save_safetensors(copy, tensors, metadata);
  std::map<std::string, std::string> metadata2;
  const auto reloaded = swt::model::load_safetensors(copy, &metadata2);
  SWT_FUZZ_CHECK(same(tensors, reloaded), "save + load changed the tensors");
  SWT_FUZZ_CHECK(metadata == metadata2, "save + load changed the metadata");
  return 0;
}
