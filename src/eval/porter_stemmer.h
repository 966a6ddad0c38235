// The Porter stemmer: M.F. Porter, "An algorithm for suffix stripping", Program 14(3),
// 130-137, 1980, either exactly as published or with NLTK's extensions (NLTK 3.8's
// nltk/stem/porter.py), which is what rouge-score's use_stemmer=True computes.
#pragma once

#include <string>
#include <string_view>

namespace swt::eval {

enum class PorterMode {
  // The paper's algorithm: NLTK's PorterStemmer(mode="ORIGINAL_ALGORITHM").
  kOriginal,
  // NLTK's default PorterStemmer() (mode="NLTK_EXTENSIONS", NLTK >= 3.2.2), which
  // rouge-score calls: a pool of irregular forms (dying -> die, skies -> sky, news ->
  // news), words of 1-2 letters kept, ies/ied -> ie in 4-letter words (dies -> die),
  // y -> i only after a consonant (always -> alway), and step 2 with alli first,
  // bli -> ble, fulli -> ful and logi -> log (beautifully -> beauti).
  kNltkExtensions,
};

// Stems one lower-case word of ASCII letters (and digits, which count as consonants).
// Steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b in order; in each step only the longest matching
// suffix is considered, and if its condition fails the step does nothing.
// E.g. caresses -> caress, ponies -> poni, hopping -> hop, relational -> relat,
// generalization -> gener (both modes).
std::string porter_stem(std::string_view word, PorterMode mode);

}  // namespace swt::eval
