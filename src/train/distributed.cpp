#include "train/distributed.h"

#include <glog/logging.h>

#include <cstdlib>
#include <functional>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "util/error.h"

namespace swt::train {

namespace {

int env_int(const char* name, int fallback, int low, int high) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*end != '\0' || v < low || v > high)
    fail(std::string("environment variable ") + name + " must be an integer in [" +
         std::to_string(low) + ", " + std::to_string(high) + "], got '" + text + "'");
  return static_cast<int>(v);
}

bool loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

DistributedOptions distributed_options_from_env() {
  DistributedOptions o;
  o.world_size = env_int("WORLD_SIZE", 1, 1, 65536);
  o.rank = env_int("RANK", 0, 0, o.world_size - 1);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) o.master_addr = addr;
  o.master_port = env_int("MASTER_PORT", o.master_port, 1, 65535);
  return o;
}

struct Distributed::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

namespace {

// Waits for one collective; a peer that died or hung becomes a one-line error.
void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    fail(std::string("distributed ") + what +
         " failed (another worker died or is unreachable?): " + one_line_message(e));
  }
}

}  // namespace

Distributed::Distributed(const DistributedOptions& options) : options_(options) {
  if (!active()) return;
  // c10d also logs its failures through glog (several lines each); they reach
  // the user once, as the one-line errors below.
  FLAGS_minloglevel = google::GLOG_FATAL;
  group_ = std::make_unique<Group>();
  const auto where = options_.master_addr + ":" + std::to_string(options_.master_port);
  try {
    c10d::TCPStoreOptions store;
    store.port = static_cast<uint16_t>(options_.master_port);
    store.isServer = is_main();
    store.numWorkers = options_.world_size;
    store.waitWorkers = true;
    store.timeout = millis(options_.timeout_seconds);
    group_->store = c10::make_intrusive<c10d::TCPStore>(options_.master_addr, store);
    auto gloo = c10d::ProcessGroupGloo::Options::create(millis(options_.timeout_seconds));
    // Loopback jobs talk over loopback; otherwise Gloo binds to the address
    // this machine's hostname resolves to (GLOO_SOCKET_IFNAME picks an interface).
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
      gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (loopback(options_.master_addr))
      gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      gloo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    gloo->threads = 1;
    group_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, options_.rank,
                                                               options_.world_size, gloo);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail("cannot join the distributed job at " + where + " as rank " +
         std::to_string(options_.rank) + " of " + std::to_string(options_.world_size) + ": " +
         one_line_message(e));
  }
}

Distributed::~Distributed() = default;

void Distributed::broadcast(const std::vector<torch::Tensor>& tensors) {
  if (!active() || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.detach().reshape(-1).to(torch::kFloat));
  std::vector<torch::Tensor> buffer = {torch::cat(flat)};
  wait(group_->gloo->broadcast(buffer), "broadcast");
  int64_t at = 0;
  for (const auto& t : tensors) {
    const auto n = t.numel();
    t.detach().copy_(buffer[0].narrow(0, at, n).view_as(t));
    at += n;
  }
}

void Distributed::all_reduce_gradients(const std::vector<torch::Tensor>& params,
                                       int64_t bucket_bytes) {
  if (!active()) return;
  torch::NoGradGuard no_grad;
  // Buckets of consecutive parameters, each flattened into one buffer; all are
  // started before the first is waited for.
  std::vector<std::vector<torch::Tensor>> buckets(1);
  int64_t bytes = 0;
  for (const auto& p : params) {
    if (bytes > 0 && bytes + p.numel() * 4 > bucket_bytes) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(p);
    bytes += p.numel() * 4;
  }
  std::vector<std::vector<torch::Tensor>> buffers;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (const auto& bucket : buckets) {
    std::vector<torch::Tensor> flat;
    for (const auto& p : bucket)
      flat.push_back(p.grad().defined() ? p.grad().reshape(-1) : torch::zeros({p.numel()}));
    buffers.push_back({torch::cat(flat)});
    works.push_back(group_->gloo->allreduce(buffers.back()));
  }
  for (size_t b = 0; b < buckets.size(); ++b) {
    wait(works[b], "gradient all-reduce");
    int64_t at = 0;
    for (auto p : buckets[b]) {
      auto summed = buffers[b][0].narrow(0, at, p.numel()).view_as(p);
      if (p.grad().defined())
        p.mutable_grad().copy_(summed);
      else
        p.mutable_grad() = summed.clone();
      at += p.numel();
    }
  }
}

namespace {

// Runs `collective` on `values` as one double tensor and returns the result.
std::vector<double> on_values(
    std::vector<double> values,
    const std::function<c10::intrusive_ptr<c10d::Work>(std::vector<torch::Tensor>&)>& collective,
    const char* what) {
  std::vector<torch::Tensor> buffer = {torch::tensor(values, torch::kDouble)};
  wait(collective(buffer), what);
  auto a = buffer[0].accessor<double, 1>();
  for (size_t i = 0; i < values.size(); ++i) values[i] = a[static_cast<int64_t>(i)];
  return values;
}

}  // namespace

std::vector<double> Distributed::all_reduce_sum(std::vector<double> values) {
  if (!active() || values.empty()) return values;
  return on_values(
      std::move(values), [&](auto& buffer) { return group_->gloo->allreduce(buffer); },
      "all-reduce");
}

std::vector<double> Distributed::broadcast_values(std::vector<double> values) {
  if (!active() || values.empty()) return values;
  return on_values(
      std::move(values), [&](auto& buffer) { return group_->gloo->broadcast(buffer); },
      "broadcast");
}

torch::Tensor Distributed::all_to_all(const torch::Tensor& rows, const std::vector<int64_t>& send,
                                      const std::vector<int64_t>& recv) {
  int64_t received = 0;
  for (auto n : recv) received += n;
  auto shape = rows.sizes().vec();
  shape[0] = received;
  auto input = rows.contiguous();
  if (!active()) return input.clone();
  auto output = torch::empty(shape, input.options());
  auto send_counts = send, recv_counts = recv;  // c10d takes them by reference
  wait(group_->gloo->alltoall_base(output, input, recv_counts, send_counts), "all-to-all");
  return output;
}

torch::Tensor Distributed::all_gather(const torch::Tensor& rows) {
  if (!active()) return rows.clone();
  std::vector<torch::Tensor> input = {rows.contiguous()};
  std::vector<std::vector<torch::Tensor>> output(1);
  for (int r = 0; r < world_size(); ++r) output[0].push_back(torch::empty_like(input[0]));
  wait(group_->gloo->allgather(output, input), "all-gather");
  return torch::cat(output[0]);
}

void Distributed::check_same_parameters(const std::vector<torch::Tensor>& params) {
  if (!active()) return;
  double checksum = 0;
  for (const auto& p : params) checksum += p.detach().to(torch::kDouble).abs().sum().item<double>();
  // Every rank compares its checksum with rank 0's; the mismatches are counted.
  const auto mine = broadcast_values({checksum})[0];
  const auto sum = all_reduce_sum({checksum == mine ? 0.0 : 1.0})[0];
  if (sum != 0)
    fail("distributed: the parameters of " + std::to_string(static_cast<int64_t>(sum)) +
         " worker(s) differ from rank 0's (checksum " + std::to_string(checksum) + " vs " +
         std::to_string(mine) + ")");
}

void Distributed::barrier() {
  if (!active()) return;
  wait(group_->gloo->barrier(), "barrier");
}

}  // namespace swt::train
