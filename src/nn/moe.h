// Switch mixture-of-experts feed-forward (Fedus, Zoph and Shazeer 2021; ST-MoE):
// a top-1 router in fp32 sends each real token to one expert FFN, whose output
// is scaled by the router probability of that expert. An expert takes at most
// `capacity` tokens, first come (in flattened position order) first served; a
// token past its expert's capacity skips the FFN (the MoE branch gives 0, so
// the residual passes unchanged and unscaled). Padding is never routed and
// takes no capacity. Inference (eval mode, no gradient) drops no token, so a
// sentence's output does not depend on the rest of the batch.
//
// Experts run as matrix products over only their own tokens (index_select,
// then index_add into the output): no work for an empty expert and no dense
// [tokens, experts, capacity] dispatch tensor.
//
// Expert parallelism (split_experts): each of W processes keeps E / W of the
// experts. A process routes its own tokens exactly as above (its capacity,
// its drops), sends every kept token to the process holding its expert with
// one all-to-all, and gets the results back with a second; the backward pass
// is the same two exchanges reversed. So the outcome is the one each process
// would compute holding every expert, with 1/W of the expert weights and
// optimizer moments in memory.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace swt::nn {

// How a MoE layer reaches the other processes of an expert-parallel job. The
// trainer implements it over c10d (train/expert_parallel.h); every process
// must make the same calls in the same order.
class ExpertExchange {
 public:
  virtual ~ExpertExchange() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // Rows [sum(send), ...]: send[r] consecutive rows go to rank r; returns
  // recv[r] rows from each rank r, in rank order.
  virtual torch::Tensor all_to_all(const torch::Tensor& rows, const std::vector<int64_t>& send,
                                   const std::vector<int64_t>& recv) = 0;
  // Every rank's `rows` (same shape everywhere), concatenated in rank order.
  virtual torch::Tensor all_gather(const torch::Tensor& rows) = 0;
};

// The all-to-all as a differentiable op: its backward sends the gradients
// back along the reversed counts.
torch::Tensor exchange_rows(const std::shared_ptr<ExpertExchange>& exchange,
                            const torch::Tensor& rows, const std::vector<int64_t>& send,
                            const std::vector<int64_t>& recv);

struct MoeOptions {
  int64_t d_model = 512;
  int64_t d_ff = 2048;
  int64_t experts = 8;
  std::string activation = "relu";  // relu | gelu
  double dropout = 0.1;             // on the MoE output, as the dense FFN's output dropout
  double expert_dropout = 0;        // inside the experts, after the activation
  double capacity_factor = 1.25;    // training: capacity = ceil(factor * tokens / experts)
  double eval_capacity_factor = 2;  // eval mode with a gradient (inference has no limit)
  double router_jitter = 0.01;      // training: router input times U[1 - jitter, 1 + jitter]
};

// What one forward pass routed, over its real (non-padding) tokens.
struct MoeStats {
  // Differentiable scalars, not yet weighted by their coefficients:
  // load balancing E * sum_i f_i * P_i (1 when perfectly balanced; f_i the
  // fraction of tokens whose top choice is expert i, P_i the mean router
  // probability of expert i) and the router z-loss mean(logsumexp(logits)^2).
  torch::Tensor balance_loss, z_loss;
  torch::Tensor load;    // [E] f_i, detached (all zero when there is no token)
  double dropped = 0;    // fraction of tokens past their expert's capacity
  double entropy = 0;    // mean router entropy (nats)
  int64_t tokens = 0;    // real tokens routed
  int64_t capacity = 0;  // per expert, this pass
};

class MoeFeedForwardImpl : public torch::nn::Module {
 public:
  explicit MoeFeedForwardImpl(const MoeOptions& options);

  // x [..., D]; valid [...] bool (undefined: every row is real). Padding rows
  // get 0. `stats`, if not null, receives what the pass routed.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid = {},
                        MoeStats* stats = nullptr);

  // Tokens each expert may take when `tokens` real tokens are routed in the
  // module's current mode (and the thread's gradient mode).
  int64_t capacity(int64_t tokens) const;

  const MoeOptions& options() const { return options_; }

  // Expert parallelism: keeps only this process's experts (the exchange's
  // rank-th 1/world of them, consecutive) and from now on sends tokens to the
  // other processes' experts through `exchange`. model.experts must be a
  // multiple of the world size.
  void split_experts(std::shared_ptr<ExpertExchange> exchange);
  // Every expert back in every process (a collective: all processes call it).
  void join_experts();
  bool experts_split() const { return exchange_ != nullptr; }
  // The experts this process holds: [first_expert(), first_expert() + local_experts()).
  int64_t first_expert() const;
  int64_t local_experts() const;
  // w1, b1, w2, b2: the tensors split_experts divides among the processes.
  std::vector<torch::Tensor> expert_parameters() const { return {w1, b1, w2, b2}; }

  // Stacked expert weights (expert e: rows [e]) and the router, as in
  // docs/model-format.md. Split: rows [e - first_expert()].
  torch::Tensor router;  // [E, D]
  torch::Tensor w1, b1;  // [E, F, D], [E, F]
  torch::Tensor w2, b2;  // [E, D, F], [E, D]

 private:
  // Local expert `e` on its rows x.
  torch::Tensor expert(int64_t e, const torch::Tensor& x);
  // Rows grouped by local expert (counts[e] rows for expert e, in order)
  // through their experts; the results in the same order.
  torch::Tensor run_experts(const torch::Tensor& rows, const std::vector<int64_t>& counts);
  // The same for rows grouped by global expert (take[e] rows for expert e),
  // sent to the processes holding the experts and back.
  torch::Tensor run_remote_experts(const torch::Tensor& rows, const std::vector<int64_t>& take);

  MoeOptions options_;
  std::shared_ptr<ExpertExchange> exchange_;
};
TORCH_MODULE(MoeFeedForward);

// MoE routing over several forward passes (the batches between two progress
// lines of training), per MoE layer: means of the unweighted losses, the
// dropped fraction, the router entropy and each expert's load.
class MoeSummary {
 public:
  MoeSummary(int64_t layers, int64_t experts);
  // One forward pass: the stats of every MoE layer, in layer order.
  void add(const std::vector<MoeStats>& layers);
  bool empty() const { return passes_ == 0; }
  void clear();

  // The sums as flat numbers and back, to add them up over processes (every
  // process has the same layers, so the layouts agree).
  std::vector<double> sums() const;
  void set_sums(const std::vector<double>& sums);

  // "moe balance 1.02 | z 3.10 | dropped 1.2% | entropy 1.95" (means over layers).
  std::string line() const;
  // {"balance", "z_loss", "dropped", "entropy"}: means over layers;
  // "layers": per layer the same and "load" (each expert's share of tokens).
  nlohmann::json json() const;

 private:
  struct Layer {
    double balance = 0, z = 0, dropped = 0, entropy = 0;
    std::vector<double> load;
  };
  Layer mean(const Layer& l) const;  // per pass
  Layer overall() const;             // per pass, mean over the layers (no load)
  int64_t experts_;
  double passes_ = 0;
  std::vector<Layer> layers_;
};

}  // namespace swt::nn
