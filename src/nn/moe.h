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
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace swt::nn {

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

  // Stacked expert weights (expert e: rows [e]) and the router, as in
  // docs/model-format.md.
  torch::Tensor router;  // [E, D]
  torch::Tensor w1, b1;  // [E, F, D], [E, F]
  torch::Tensor w2, b2;  // [E, D, F], [E, D]

 private:
  torch::Tensor expert(int64_t e, const torch::Tensor& x);

  MoeOptions options_;
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
