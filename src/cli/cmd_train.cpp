// swt train --config FILE [--model-dir DIR] [--set key=value]... [--resume] [--dump-config]
//           [--nproc N | --world-size W --rank R --master HOST:PORT]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "nn/threads.h"
#include "train/expert_parallel.h"
#include "train/trainer.h"
#include "util/error.h"

namespace swt::cli {

namespace {

struct TrainArgs {
  std::string config;
  std::string model_dir = "models/model";
  std::vector<std::string> overrides;
  bool resume = false;
  bool dump_config = false;
  int nproc = 1;
  int world_size = 0, rank = -1;
  std::string master;
  double dist_timeout = 300;
};

// This job's place in a distributed run: the torchrun variables, overridden by flags.
train::DistributedOptions distributed_options(const TrainArgs& a) {
  auto d = train::distributed_options_from_env();
  if (a.world_size > 0) d.world_size = a.world_size;
  if (a.rank >= 0) d.rank = a.rank;
  if (!a.master.empty()) {
    const auto colon = a.master.rfind(':');
    if (colon == std::string::npos || colon == 0)
      fail("--master must be HOST:PORT, got '" + a.master + "'");
    d.master_addr = a.master.substr(0, colon);
    try {
      d.master_port = std::stoi(a.master.substr(colon + 1));
    } catch (const std::exception&) {
      d.master_port = 0;
    }
    if (d.master_port < 1 || d.master_port > 65535)
      fail("--master: the port must be in [1, 65535], got '" + a.master.substr(colon + 1) + "'");
  }
  if (d.rank >= d.world_size)
    fail("--rank must be below --world-size (" + std::to_string(d.world_size) + "), got " +
         std::to_string(d.rank));
  d.timeout_seconds = a.dist_timeout;
  return d;
}

// A TCP port nobody listens on now (the OS picks it).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    fail("--nproc: cannot find a free local port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

// This process's own command line (to start the workers with it).
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
  return args;
}

// `--nproc N`: starts N workers (this program, same arguments, with the torchrun
// variables set) and waits. When one fails, the others are stopped: none is
// left waiting for a peer that is gone.
int launch_local_workers(int nproc, int64_t threads) {
  const int port = free_port();
  auto args = own_arguments();
  if (threads == 0) {  // share the cores
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    args.push_back("--set");
    args.push_back("train.threads=" + std::to_string(std::max(1, cores / nproc)));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<pid_t> workers;
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) fail("--nproc: cannot start a worker process");
    if (pid == 0) {
      ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::execv("/proc/self/exe", argv.data());
      ::_exit(127);
    }
    workers.push_back(pid);
  }
  int failed_rank = -1, failed_status = 0;
  for (size_t left = workers.size(); left > 0; --left) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) break;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok || failed_rank >= 0) continue;
    failed_rank =
        static_cast<int>(std::find(workers.begin(), workers.end(), pid) - workers.begin());
    failed_status = status;
    for (pid_t other : workers)
      if (other != pid) ::kill(other, SIGTERM);
  }
  if (failed_rank < 0) return 0;
  std::cerr << "error: worker " << failed_rank << " of " << nproc
            << (WIFSIGNALED(failed_status)
                    ? " was killed by signal " + std::to_string(WTERMSIG(failed_status))
                    : " exited with status " + std::to_string(WEXITSTATUS(failed_status)))
            << "; the other workers were stopped\n";
  return 1;
}

void setup_train(CLI::App& sub) {
  auto args = std::make_shared<TrainArgs>();
  sub.add_option("--config,-c", args->config, "YAML config (see docs/options.md)");
  sub.add_option("--model-dir,-m", args->model_dir, "where the model and checkpoints go")
      ->capture_default_str();
  sub.add_option("--set", args->overrides, "override a config key: --set train.lr=0.0005");
  sub.add_flag("--resume", args->resume, "continue the run in --model-dir from its checkpoint");
  sub.add_flag("--dump-config", args->dump_config, "print the resolved config and exit");
  sub.add_option("--nproc", args->nproc,
                 "data-parallel worker processes on this machine (threads: cores / N)")
      ->capture_default_str()
      ->check(between(1, 1024));
  sub.add_option("--world-size", args->world_size,
                 "processes in a multi-machine job (default: $WORLD_SIZE, else 1)")
      ->check(between(1, 65536));
  sub.add_option("--rank", args->rank, "this process's rank, 0 = main (default: $RANK)")
      ->check(at_least(0));
  sub.add_option("--master", args->master,
                 "HOST:PORT of rank 0's rendezvous (default: $MASTER_ADDR:$MASTER_PORT)");
  sub.add_option("--dist-timeout", args->dist_timeout,
                 "seconds to wait for the other processes (rendezvous, each collective)")
      ->capture_default_str()
      ->check(at_least(1));
  sub.callback([args] {
    auto config = train::load_train_config(args->config, args->overrides);
    if (args->dump_config) {
      std::cout << train::dump_train_config(config);
      return;
    }
    if (args->config.empty()) throw CLI::RequiredError("--config");
    const auto distributed = distributed_options(*args);
    if (args->nproc > 1 && !std::getenv("WORLD_SIZE")) {
      if (distributed.world_size > 1)
        fail("--nproc starts a local job; it cannot be combined with --world-size");
      train::check_expert_parallel(config, args->nproc);  // once, before the workers start
      if (const int status = launch_local_workers(args->nproc, config.train.threads); status)
        std::exit(status);
      return;
    }
    nn::apply_threads(config.train.threads);
    train::Trainer(config, args->model_dir, args->resume, distributed).run();
  });
}

const RegisterCommand kRegister("train", "train a model from a YAML config", setup_train);

}  // namespace

}  // namespace swt::cli
