// `swt bench <what>`: every benchmark is a subcommand of `bench`, registered
// from its own file (src/cli/cmd_bench_<what>.cpp) with a static RegisterBench,
// exactly like top-level commands register with RegisterCommand.
#pragma once

#include "cli/command.h"

namespace swt::cli {

std::vector<Command>& bench_registry();

struct RegisterBench {
  RegisterBench(std::string name, std::string help, std::function<void(CLI::App&)> setup) {
    bench_registry().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

}  // namespace swt::cli
