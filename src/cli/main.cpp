// `swt`: the single command-line entry point. Commands register themselves
// (src/cli/command.h); errors a user can cause become one line and exit 1.
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

int main(int argc, char** argv) {
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
    return app.exit(e);
  } catch (const swt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
