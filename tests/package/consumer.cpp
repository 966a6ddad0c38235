// A program outside the project that uses the installed package:
// find_package(swt) + swt::swt + <swt/swt.h>. Translates stdin line by line
// (the model directory is argv[1], options as `swt translate`'s defaults, or
// --beam N), writes stdout; tests/package/package_test.sh compares it with
// `swt translate`.
#include <swt/swt.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: consumer MODEL_DIR [--beam N] < input > output\n";
    return 2;
  }
  swt::TranslatorOptions options;
  for (int i = 2; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--beam") options.beam = std::atoi(argv[i + 1]);
  try {
    std::vector<std::string> lines;
    for (std::string line; std::getline(std::cin, line);) lines.push_back(line);
    swt::Translator translator(argv[1], options);
    for (const auto& out : translator.translate(lines)) std::cout << out << "\n";
    std::cerr << "swt " << swt::version() << ": " << lines.size() << " lines\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
