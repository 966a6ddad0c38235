#include "eval/porter_stemmer.h"

#include <initializer_list>
#include <utility>

namespace swt::eval {

namespace {

// The paper's notation: a consonant is a letter other than a, e, i, o, u, and other
// than y preceded by a consonant (a leading y is a consonant).
bool is_consonant(std::string_view w, std::size_t i) {
  switch (w[i]) {
    case 'a':
    case 'e':
    case 'i':
    case 'o':
    case 'u':
      return false;
    case 'y':
      return i == 0 || !is_consonant(w, i - 1);
    default:
      return true;
  }
}

// m in [C](VC)^m[V]: the number of vowel-run -> consonant-run transitions.
int measure(std::string_view stem) {
  int m = 0;
  bool previous_vowel = false;
  for (std::size_t i = 0; i < stem.size(); ++i) {
    const bool consonant = is_consonant(stem, i);
    if (consonant && previous_vowel) ++m;
    previous_vowel = !consonant;
  }
  return m;
}

// *v*: the stem contains a vowel.
bool has_vowel(std::string_view stem) {
  for (std::size_t i = 0; i < stem.size(); ++i)
    if (!is_consonant(stem, i)) return true;
  return false;
}

// *d: the stem ends with a double consonant.
bool ends_double_consonant(std::string_view stem) {
  const std::size_t n = stem.size();
  return n >= 2 && stem[n - 1] == stem[n - 2] && is_consonant(stem, n - 1);
}

// *o: the stem ends consonant-vowel-consonant, the last not w, x or y. NLTK also counts
// a 2-letter stem vowel-consonant (any consonant), so that "owed" -> "owe", "ore" stays.
bool ends_cvc(std::string_view stem, bool nltk) {
  const std::size_t n = stem.size();
  if (nltk && n == 2) return !is_consonant(stem, 0) && is_consonant(stem, 1);
  if (n < 3) return false;
  const char last = stem[n - 1];
  return is_consonant(stem, n - 3) && !is_consonant(stem, n - 2) && is_consonant(stem, n - 1) &&
         last != 'w' && last != 'x' && last != 'y';
}

bool ends_with(std::string_view w, std::string_view suffix) {
  return w.size() >= suffix.size() && w.substr(w.size() - suffix.size()) == suffix;
}

using Rule = std::pair<std::string_view, std::string_view>;  // suffix -> replacement

// Steps 2-4: the longest suffix of `rules` that `word` ends with (the lists are ordered
// so that it is the first match) is replaced when the stem's measure exceeds
// `min_measure` (and, for step 4's "ion", the stem ends with s or t; for NLTK's "logi",
// the measure is taken with the l, so that "geologi" -> "geolog" as "philologi").
// Returns whether a suffix matched, whether or not its condition held.
bool apply_rules(std::string& word, std::initializer_list<Rule> rules, int min_measure) {
  for (const auto& [suffix, replacement] : rules) {
    if (!ends_with(word, suffix)) continue;
    const std::string_view stem = std::string_view(word).substr(0, word.size() - suffix.size());
    bool ok = measure(stem) > min_measure;
    if (suffix == "ion") ok = ok && !stem.empty() && (stem.back() == 's' || stem.back() == 't');
    if (suffix == "logi") ok = measure(std::string_view(word).substr(0, stem.size() + 1)) > 0;
    if (ok) word = std::string(stem) + std::string(replacement);
    return true;
  }
  return false;
}

void step1a(std::string& w, bool nltk) {
  if (nltk && w.size() == 4 && ends_with(w, "ies")) {
    w.pop_back();  // NLTK: dies -> die, ties -> tie (the paper: di, ti)
  } else if (ends_with(w, "sses") || ends_with(w, "ies")) {
    w.erase(w.size() - 2);  // sses -> ss, ies -> i
  } else if (ends_with(w, "ss")) {
    // ss -> ss
  } else if (ends_with(w, "s")) {
    w.pop_back();
  }
}

void step1b(std::string& w, bool nltk) {
  if (nltk && ends_with(w, "ied")) {
    // NLTK: ied -> ie in a 4-letter word (died -> die), else -> i (spied -> spi, as
    // spies); the paper's ed rule would give "di" and "spi".
    w.erase(w.size() - (w.size() == 4 ? 1 : 2));
    return;
  }
  if (ends_with(w, "eed")) {
    if (measure(std::string_view(w).substr(0, w.size() - 3)) > 0) w.pop_back();
    return;
  }
  std::size_t cut = 0;
  if (ends_with(w, "ed")) {
    cut = 2;
  } else if (ends_with(w, "ing")) {
    cut = 3;
  }
  if (cut == 0 || !has_vowel(std::string_view(w).substr(0, w.size() - cut))) return;
  w.erase(w.size() - cut);
  if (ends_with(w, "at") || ends_with(w, "bl") || ends_with(w, "iz")) {
    w += 'e';
  } else if (ends_double_consonant(w) && w.back() != 'l' && w.back() != 's' && w.back() != 'z') {
    w.pop_back();
  } else if (measure(w) == 1 && ends_cvc(w, nltk)) {
    w += 'e';
  }
}

void step1c(std::string& w, bool nltk) {
  if (!ends_with(w, "y") || w.size() < 2) return;
  const std::string_view stem = std::string_view(w).substr(0, w.size() - 1);
  // The paper: (*v*) y -> i, so always -> alwai, enjoy -> enjoi. NLTK: y -> i only after
  // a consonant that is not the whole stem: always -> alway, happy -> happi, by -> by.
  if (nltk ? stem.size() > 1 && is_consonant(stem, stem.size() - 1) : has_vowel(stem))
    w.back() = 'i';
}

void step2(std::string& w, bool nltk) {
  // NLTK tries alli -> al first and then step 2 again: "conditionalli" -> "conditional"
  // -> "condition" (-> step 4 "condit"); the paper applies one step-2 rule only, so
  // "conditional" (-> step 4 "condition").
  if (nltk && ends_with(w, "alli") && measure(std::string_view(w).substr(0, w.size() - 4)) > 0) {
    w.erase(w.size() - 2);
    step2(w, nltk);
    return;
  }
  // NLTK widens the paper's abli -> able to bli -> ble (humbli -> humble).
  const Rule bli = nltk ? Rule{"bli", "ble"} : Rule{"abli", "able"};
  const bool matched = apply_rules(w, {{"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"},
                                       {"anci", "ance"},   {"izer", "ize"},    bli,
                                       {"alli", "al"},     {"entli", "ent"},   {"eli", "e"},
                                       {"ousli", "ous"},   {"ization", "ize"}, {"ation", "ate"},
                                       {"ator", "ate"},    {"alism", "al"},    {"iveness", "ive"},
                                       {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"},
                                       {"iviti", "ive"},   {"biliti", "ble"}},
                                   0);
  // NLTK's two extra rules come last (no suffix above ends either of them):
  // "beautifulli" -> "beautiful" (-> step 3 "beauti"), "geologi" -> "geolog".
  if (!matched && nltk) apply_rules(w, {{"fulli", "ful"}, {"logi", "log"}}, 0);
}

void step3(std::string& w) {
  apply_rules(w,
              {{"icate", "ic"},
               {"ative", ""},
               {"alize", "al"},
               {"iciti", "ic"},
               {"ical", "ic"},
               {"ful", ""},
               {"ness", ""}},
              0);
}

void step4(std::string& w) {
  apply_rules(w,
              {{"al", ""},
               {"ance", ""},
               {"ence", ""},
               {"er", ""},
               {"ic", ""},
               {"able", ""},
               {"ible", ""},
               {"ant", ""},
               {"ement", ""},
               {"ment", ""},
               {"ent", ""},
               {"ion", ""},
               {"ou", ""},
               {"ism", ""},
               {"ate", ""},
               {"iti", ""},
               {"ous", ""},
               {"ive", ""},
               {"ize", ""}},
              1);
}

void step5(std::string& w, bool nltk) {
  if (ends_with(w, "e")) {
    const std::string_view stem = std::string_view(w).substr(0, w.size() - 1);
    const int m = measure(stem);
    if (m > 1 || (m == 1 && !ends_cvc(stem, nltk))) w.pop_back();
  }
  if (measure(w) > 1 && ends_double_consonant(w) && w.back() == 'l') w.pop_back();
}

// NLTK_EXTENSIONS' pool of irregular forms, looked up before any step: "the errors
// actually drawn to Martin Porter's attention over a 20 year period".
constexpr Rule kIrregularForms[] = {
    {"sky", "sky"},        {"skies", "sky"},       {"dying", "die"},        {"lying", "lie"},
    {"tying", "tie"},      {"news", "news"},       {"innings", "inning"},   {"inning", "inning"},
    {"outings", "outing"}, {"outing", "outing"},   {"cannings", "canning"}, {"canning", "canning"},
    {"howe", "howe"},      {"proceed", "proceed"}, {"exceed", "exceed"},    {"succeed", "succeed"},
};

}  // namespace

std::string porter_stem(std::string_view word, PorterMode mode) {
  const bool nltk = mode == PorterMode::kNltkExtensions;
  if (nltk) {
    for (const auto& [form, stem] : kIrregularForms)
      if (word == form) return std::string(stem);
    if (word.size() <= 2) return std::string(word);  // NLTK leaves 1-2 letter words alone
  }
  std::string w(word);
  if (w.empty()) return w;
  step1a(w, nltk);
  step1b(w, nltk);
  step1c(w, nltk);
  step2(w, nltk);
  step3(w);
  step4(w);
  step5(w, nltk);
  return w;
}

}  // namespace swt::eval
