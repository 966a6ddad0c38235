// Data-parallel training on LibTorch's c10d: a TCPStore rendezvous and Gloo
// collectives (the engine under torchrun and DDP). LibTorch 1.13 has no C++
// DDP class, so the trainer does what DDP does with the few operations here:
// parameters broadcast from rank 0, gradients summed in flattened buckets,
// scalars and decisions agreed by all ranks. With one process every operation
// is a no-op and nothing is opened.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace swt::train {

struct DistributedOptions {
  int world_size = 1;
  int rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  double timeout_seconds = 300;  // rendezvous and every collective
};

// From the torchrun variables WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT (unset:
// one process). Malformed values are one-line errors naming the variable.
DistributedOptions distributed_options_from_env();

class Distributed {
 public:
  explicit Distributed(const DistributedOptions& options = {});
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  bool active() const { return options_.world_size > 1; }
  bool is_main() const { return options_.rank == 0; }

  // Rank 0's values into every rank's tensors (parameters and buffers).
  void broadcast(const std::vector<torch::Tensor>& tensors);
  // Sums the gradients of `params` over the ranks, in flattened buckets of about
  // `bucket_bytes`; a parameter without a gradient counts as zeros.
  void all_reduce_gradients(const std::vector<torch::Tensor>& params,
                            int64_t bucket_bytes = 32 << 20);
  // Element-wise sum over the ranks (small vectors: losses, counts).
  std::vector<double> all_reduce_sum(std::vector<double> values);
  // Rank 0's values on every rank.
  std::vector<double> broadcast_values(std::vector<double> values);
  // Variable all-to-all of the rows of `rows` (float, [sum(send), ...]): the
  // first send[0] rows go to rank 0, the next send[1] to rank 1, and so on;
  // the result holds recv[0] rows from rank 0, then recv[1] from rank 1, ...
  // Every rank must call it, with matching counts (an empty share is fine).
  torch::Tensor all_to_all(const torch::Tensor& rows, const std::vector<int64_t>& send,
                           const std::vector<int64_t>& recv);
  // Every rank's `rows` (same shape on all ranks), concatenated in rank order
  // along the first dimension.
  torch::Tensor all_gather(const torch::Tensor& rows);
  // Fails on every rank, with one line, if the ranks' parameters differ.
  void check_same_parameters(const std::vector<torch::Tensor>& params);
  void barrier();

 private:
  DistributedOptions options_;
  struct Group;
  std::unique_ptr<Group> group_;
};

}  // namespace swt::train
