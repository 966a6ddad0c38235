// `swt`: the single command-line entry point. Commands register themselves
// (src/cli/command.h); errors a user can cause become one line and exit 1.
#include <malloc.h>
#include <swt/swt.h>

#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "util/error.h"

namespace swt::cli {

std::vector<Command>& command_registry() {
  static std::vector<Command> registry;
  return registry;
}

}  // namespace swt::cli

namespace {

// Tensors of a training step (the logits alone are tokens x vocabulary floats,
// hundreds of MB) are far above glibc's mmap threshold, so by default every one
// is a fresh mmap: the kernel zeroes and faults in its pages on every step and
// unmaps them afterwards (perf: ~20% of the CPU time of `swt train` went to
// page faults and system time). Serving them from the heap and never trimming
// it lets freed blocks be reused; the process keeps its peak footprint.
void keep_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();
  CLI::App app{"swt: word-level sequence-to-sequence Transformers with adaptive computation"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "swt " + swt::version());
  auto commands = swt::cli::command_registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (auto& command : commands) command.setup(*app.add_subcommand(command.name, command.help));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One line, exit 1, like every other error (CLI11 would add a second line).
    std::cerr << "error: " << e.what() << " (see --help)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << swt::one_line_message(e) << "\n";
    return 1;
  }
  return 0;
}
