// sacreBLEU-style reproducibility signatures and number formatting, so our
// output can be compared line by line with `sacrebleu` output.
#pragma once

#include <string>
#include <vector>

namespace swt::eval {

// The sacreBLEU release whose defaults and output format we reproduce.
inline constexpr const char* kSacrebleuVersion = "2.3.1";

// Python's f"{value:.{decimals}f}" (correctly rounded, ties to even).
std::string format_fixed(double value, int decimals);

// The value Python prints for float(f"{value:.2f}"): what sacreBLEU's JSON holds.
double round2(double value);

// sacreBLEU's "nrefs" field: the common number of references per segment, or
// "var" when segments have different numbers of (non-empty) references.
std::string nrefs_field(const std::vector<int>& refs_per_segment);

// "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.3.1"
std::string bleu_signature(const std::string& nrefs, bool effective_order,
                           const std::string& tokenizer);

// "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.3.1"
// (sacreBLEU writes eff:yes when eps smoothing is off).
std::string chrf_signature(const std::string& nrefs, int beta, int char_order, bool whitespace,
                           bool eps_smoothing);

}  // namespace swt::eval
