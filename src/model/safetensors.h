// The safetensors container (https://huggingface.co/docs/safetensors): an
// 8-byte little-endian header length, a JSON header mapping names to dtype,
// shape and byte offsets, then the raw little-endian tensor data. Written by
// hand because no Debian package provides a C++ reader/writer.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace swt::model {

using TensorMap = std::map<std::string, torch::Tensor>;

// Writes atomically (temp + fsync + rename). Tensors are copied to CPU, contiguous.
void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads every tensor; a truncated, foreign or inconsistent file gives a swt::Error
// naming the file and the problem.
TensorMap load_safetensors(const std::string& path,
                           std::map<std::string, std::string>* metadata = nullptr);

}  // namespace swt::model
