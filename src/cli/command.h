// Every `swt <command>` lives in its own src/cli/cmd_<name>.cpp and registers
// itself here; main.cpp builds the CLI11 app from the registry.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace swt::cli {

// `setup` adds the command's options to `sub` and its callback (sub->callback(...)).
struct Command {
  std::string name;
  std::string help;
  std::function<void(CLI::App& sub)> setup;
};

std::vector<Command>& command_registry();

struct RegisterCommand {
  RegisterCommand(std::string name, std::string help, std::function<void(CLI::App&)> setup) {
    command_registry().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

}  // namespace swt::cli
