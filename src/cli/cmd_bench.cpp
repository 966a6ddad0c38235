// `swt bench`: the parent of all benchmarks (see cli/bench_registry.h).
#include <algorithm>

#include "cli/bench_registry.h"

namespace swt::cli {

std::vector<Command>& bench_registry() {
  static std::vector<Command> registry;
  return registry;
}

namespace {

const RegisterCommand kRegister("bench", "Micro-benchmarks (bench attention, ...)",
                                [](CLI::App& sub) {
                                  sub.require_subcommand(1);
                                  auto benches = bench_registry();
                                  std::sort(
                                      benches.begin(), benches.end(),
                                      [](const auto& a, const auto& b) { return a.name < b.name; });
                                  for (auto& bench : benches)
                                    bench.setup(*sub.add_subcommand(bench.name, bench.help));
                                });

}  // namespace

}  // namespace swt::cli
