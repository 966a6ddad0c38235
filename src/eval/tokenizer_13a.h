// sacreBLEU's default BLEU tokenizer "13a": the normalisation of the NIST
// mteval-v13a.pl script, which WMT used and sacreBLEU reproduces.
#pragma once

#include <string>
#include <string_view>

namespace swt::eval {

// Returns the tokens of `line` joined by single spaces, exactly as sacreBLEU
// 2.x's Tokenizer13a does:
//  1. drop "<skipped>", join "-\n" line breaks, turn "\n" into a space, and
//     unescape &quot; &amp; &lt; &gt; (in that order, one pass each);
//  2. pad every ASCII symbol except ' , - . with spaces;
//  3. split off '.' and ',' unless both neighbours are digits (so "3.14" and
//     "1,000" stay whole), and split '-' after a digit;
//  4. collapse whitespace (Python's definition, Unicode spaces included).
std::string tokenize_13a(std::string_view line);

}  // namespace swt::eval
