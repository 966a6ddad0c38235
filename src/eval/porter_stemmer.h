// The Porter stemmer exactly as published: M.F. Porter, "An algorithm for suffix
// stripping", Program 14(3), 130-137, 1980 (the same as NLTK's
// PorterStemmer(mode="ORIGINAL_ALGORITHM")).
#pragma once

#include <string>
#include <string_view>

namespace swt::eval {

// Stems one lower-case word of ASCII letters (and digits, which count as consonants).
// Steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b in order; in each step only the longest matching
// suffix is considered, and if its condition fails the step does nothing.
// E.g. caresses -> caress, ponies -> poni, hopping -> hop, relational -> relat,
// generalization -> gener.
std::string porter_stem(std::string_view word);

}  // namespace swt::eval
