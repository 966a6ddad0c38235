// Turning SWORD OSIS verse markup (as `mod2imp` prints it) into plain verse text.
// Pure string functions, so they can be tested without the modules installed.
#pragma once

#include <string>
#include <string_view>

namespace swt::data {

// Plain text of one verse of OSIS markup:
//  - dropped with their content: <note> (footnotes, cross-references), non-canonical
//    <title> before the verse text (book, section and acrostic headings), <speaker>,
//    <rdg>, <catchWord>, and everything after a book's end (the WEB glossary);
//  - kept without their tags: <w> (Strong's numbers, morphology), <transChange>
//    (KJV italics), <divineName> (LORD), <q>, <seg>, <foreign>, canonical titles
//    (psalm superscriptions, which Spanish Bibles print as part of verse 1) and
//    titles after the verse text (KJV epistle subscriptions, which the Reina-Valera
//    also prints in the last verse);
//  - milestones (<div/>, <l/>, <lb/>, <chapter/>, <milestone/>, ...) vanish;
//  - entities are decoded, pilcrows (¶) dropped, whitespace collapsed and trimmed.
// Words are never glued: where removed markup separates two word characters, a space
// stays, unless the markup is a single inline tag inside a word ("give</w>n" in the
// KJV, the Spanish enclitic "repartiéron<transChange>lo</transChange>").
std::string strip_osis_markup(std::string_view markup);

// Decodes XML/HTML entities (&amp; &lt; &gt; &quot; &apos; &nbsp; &#N; &#xH;);
// unknown or malformed ones are kept as written.
std::string decode_entities(std::string_view text);

// The Reina-Valera prints the first word(s) of a chapter in capitals ("EN el
// principio", "DE SIETE años era Joas"). If a line starts with such a run of
// all-capital words (the first of two or more letters, after leading punctuation like
// "¡") and a word with lower case letters follows, the run is rewritten in sentence
// case ("En el principio", "De siete años"). Other text is unchanged.
std::string normalize_initial_capitals(std::string_view line);

}  // namespace swt::data
