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

// Option checks with one-line messages ("--beam: must be >= 1, got 0"); CLI11's
// own numeric validators print the whole double range.
inline CLI::Validator at_least(double low) {
  return CLI::Validator(
      [low](std::string& value) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(value, v)) return "must be a number, got '" + value + "'";
        if (!(v >= low)) return "must be >= " + CLI::detail::to_string(low) + ", got " + value;
        return "";
      },
      ">=" + CLI::detail::to_string(low));
}

inline CLI::Validator between(double low, double high) {
  return CLI::Validator(
      [low, high](std::string& value) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(value, v)) return "must be a number, got '" + value + "'";
        if (!(v >= low && v <= high))
          return "must be in [" + CLI::detail::to_string(low) + ", " +
                 CLI::detail::to_string(high) + "], got " + value;
        return "";
      },
      "in [" + CLI::detail::to_string(low) + ", " + CLI::detail::to_string(high) + "]");
}

struct RegisterCommand {
  RegisterCommand(std::string name, std::string help, std::function<void(CLI::App&)> setup) {
    command_registry().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

}  // namespace swt::cli
