#!/usr/bin/python3
"""Compares swt's Porter stemmer (src/eval/porter_stemmer.h) with NLTK's, in both modes.

Every word type of more than 3 characters in the given text files (tokenised as
rouge-score does: lower case, each run of characters outside [a-z0-9] a separator) is
stemmed by the C++ stemmer, through the PorterStemmer.WordListFromEnvironment test of
the test_eval binary, and by NLTK: PorterMode::kOriginal against
PorterStemmer(mode="ORIGINAL_ALGORITHM"), PorterMode::kNltkExtensions against
PorterStemmer() (what rouge-score's use_stemmer=True calls). Prints the mismatch count
of each mode and exits 1 if there is any.

    /usr/bin/python3 scripts/check-porter-nltk.py [--osis] [--binary build/tests/test_eval] FILE...

--osis drops the "$$$key" lines and <...> tags of mod2imp dumps (docs/data.md), so that
only the text's words are counted. Needs NLTK (Debian: python3-nltk).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

from nltk.stem.porter import PorterStemmer


def word_types(paths, osis):
    words = set()
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if osis:
            text = re.sub(r"^\$\$\$.*$", " ", text, flags=re.M)
            text = re.sub(r"<[^>]*>", " ", text)
        words.update(t for t in re.sub(r"[^a-z0-9]+", " ", text.lower()).split() if len(t) > 3)
    return sorted(words)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--osis", action="store_true", help="strip mod2imp keys and markup")
    parser.add_argument("--binary", default=os.path.join(root, "build", "tests", "test_eval"))
    parser.add_argument("--show", type=int, default=10, help="mismatches to print per mode")
    args = parser.parse_args()

    words = word_types(args.files, args.osis)
    with tempfile.TemporaryDirectory() as tmp:
        words_path = os.path.join(tmp, "words.txt")
        stems_path = os.path.join(tmp, "stems.tsv")
        with open(words_path, "w", encoding="utf-8") as f:
            f.write("".join(w + "\n" for w in words))
        env = dict(os.environ, SWT_PORTER_WORDS=words_path, SWT_PORTER_STEMS=stems_path)
        subprocess.run(
            [args.binary, "--gtest_filter=PorterStemmer.WordListFromEnvironment"],
            env=env, check=True, stdout=subprocess.DEVNULL)
        with open(stems_path, encoding="utf-8") as f:
            ours = [line.rstrip("\n").split("\t") for line in f]
    if [row[0] for row in ours] != words:
        sys.exit("the test binary did not stem every word")

    modes = [("original (ORIGINAL_ALGORITHM)", 1, PorterStemmer(PorterStemmer.ORIGINAL_ALGORITHM)),
             ("nltk-extensions (PorterStemmer())", 2, PorterStemmer())]
    print(f"{len(words)} word types of more than 3 characters")
    failed = False
    for name, column, nltk in modes:
        bad = [(row[0], row[column], nltk.stem(row[0])) for row in ours
               if row[column] != nltk.stem(row[0])]
        print(f"{name}: {len(bad)} mismatches")
        for word, mine, theirs in bad[:args.show]:
            print(f"  {word}: swt {mine}, nltk {theirs}")
        failed = failed or bool(bad)
    modes_differ = sum(row[1] != row[2] for row in ours)
    print(f"(the two modes differ on {modes_differ} of them)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
