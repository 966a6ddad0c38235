// Fuzzes the training config reader (load_train_config, src/train/train_config.*):
// YAML file + `--set key=value` overrides. Input layout: the YAML text, then
// optionally a NUL byte and one override per line. swt::Error is the reader's
// deliberate answer; YAML::Exception or anything else escaping is a bug.
// A config that loads must dump (--dump-config) to YAML that loads back to the
// same configuration (the same value in every field).
#include "fuzz_util.h"
#include "train/train_config.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace swt::train;
  const auto [yaml, sets] =
      swt::fuzz::split_at_nul(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string& path = swt::fuzz::scratch_path("config");
  swt::fuzz::write_bytes(path, yaml);
  TrainConfig config;
  try {
    config = load_train_config(path, swt::fuzz::split_lines(sets));
  } catch (const swt::Error&) {
    return 0;
  }
  const std::string dumped = dump_train_config(config);
  const std::string dump_path = path + ".dump.yaml";
  swt::fuzz::write_bytes(dump_path, dumped);
  TrainConfig again;
  try {
    again = load_train_config(dump_path, {});
  } catch (const swt::Error& e) {
    SWT_FUZZ_CHECK(false, "the dumped config does not load: %s\n%s", e.what(), dumped.c_str());
  }
  // The same values, bit for bit (not just the same text: the dump must not round).
  const auto table = option_table(config);
  const auto table_again = option_table(again);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const bool same = std::visit(
        [&](auto* field) {
          using T = std::remove_pointer_t<decltype(field)>;
          return *field == *std::get<T*>(table_again[i].field);
        },
        table[i].field);
    SWT_FUZZ_CHECK(same, "%s changed in the dump round trip:\n%s", table[i].key.c_str(),
                   dumped.c_str());
  }
  const std::string redumped = dump_train_config(again);
  SWT_FUZZ_CHECK(redumped == dumped, "dump changed on reload:\n%s\n---\n%s", dumped.c_str(),
                 redumped.c_str());
  return 0;
}
