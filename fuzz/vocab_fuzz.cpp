// Fuzzes the vocabulary reader (Vocab::load, src/text/vocab.*): the input is
// written to a scratch file and loaded. swt::Error is the reader's deliberate
// answer to a bad file; anything else escaping, or a sanitizer report, is a bug.
// A file that loads must give a consistent vocabulary: the four specials first,
// ids and tokens inverse to each other, non-negative counts.
#include "fuzz_util.h"
#include "text/vocab.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using swt::text::Vocab;
  const std::string& path = swt::fuzz::scratch_path("vocab");
  swt::fuzz::write_bytes(path, std::string_view(reinterpret_cast<const char*>(data), size));
  Vocab vocab;
  try {
    vocab = Vocab::load(path);
  } catch (const swt::Error&) {
    return 0;
  }
  SWT_FUZZ_CHECK(vocab.size() >= Vocab::kNumSpecials, "size %d", vocab.size());
  SWT_FUZZ_CHECK(vocab.token(Vocab::kPad) == swt::text::kPadToken, "pad");
  SWT_FUZZ_CHECK(vocab.token(Vocab::kUnk) == swt::text::kUnkToken, "unk");
  SWT_FUZZ_CHECK(vocab.token(Vocab::kBos) == swt::text::kBosToken, "bos");
  SWT_FUZZ_CHECK(vocab.token(Vocab::kEos) == swt::text::kEosToken, "eos");
  std::vector<int> ids;
  for (int i = 0; i < vocab.size(); ++i) {
    const std::string& token = vocab.token(i);
    SWT_FUZZ_CHECK(!token.empty(), "empty token %d", i);
    SWT_FUZZ_CHECK(token.find_first_of(" \t\r\n") == std::string::npos, "whitespace in %d", i);
    SWT_FUZZ_CHECK(vocab.id(token) == i, "id(token(%d)) = %d", i, vocab.id(token));
    SWT_FUZZ_CHECK(vocab.count(i) >= 0, "negative count at %d", i);
    ids.push_back(i);
  }
  SWT_FUZZ_CHECK(vocab.encode(vocab.decode(ids)) == ids, "encode(decode(ids)) != ids");
  return 0;
}
