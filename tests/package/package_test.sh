#!/bin/bash
# CTest swt_package: `cmake --install` the build directory into a temporary
# prefix, build tests/package/ (a consumer of find_package(swt) / swt::swt)
# against it alone, run it on the swt_toy_model fixture and check that its
# translations equal `swt translate`'s (beam 5 and greedy).
# Usage: package_test.sh SWT SOURCE_DIR BUILD_DIR TOY_WORK_DIR WORK_DIR CXX [CMAKE_ARG]
#   CMAKE_ARG: one more option for the consumer's cmake (the sanitized build's
#   -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=...)
set -euo pipefail
swt=$1 source_dir=$2 build_dir=$3 toy=$4 work=$5 cxx=$6 extra=${7:--DCMAKE_EXE_LINKER_FLAGS=}

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log"
for f in include/swt/swt.h lib/cmake/swt/swtConfig.cmake lib/cmake/swt/swtConfigVersion.cmake \
         lib/cmake/swt/swtTargets.cmake lib/libswt_infer.a; do
  [ -f "$prefix/$f" ] || { echo "not installed: $f"; cat "$work/install.log"; exit 1; }
done
# The package must not point back into the source or build tree.
if grep -rn -e "$source_dir/src" -e "$build_dir" "$prefix/lib/cmake/swt"; then
  echo "the installed package refers to the source or build tree"
  exit 1
fi
# Training is not part of the inference package.
if [ -e "$prefix/lib/libswt_core.a" ]; then echo "libswt_core.a installed"; exit 1; fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$source_dir/tests/package" -B "$work/consumer" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" "$extra" \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

head -n 300 "$toy/data/toy-reverse/test.src" >"$work/input.txt"
status=0
for beam in 5 1; do
  "$swt" translate --model "$toy/model" --beam "$beam" --input "$work/input.txt" \
    --output "$work/expected.$beam.txt" 2>"$work/translate.$beam.log"
  "$work/consumer/consumer" "$toy/model" --beam "$beam" <"$work/input.txt" \
    >"$work/got.$beam.txt" 2>"$work/consumer.$beam.log" || { cat "$work/consumer.$beam.log"; exit 1; }
  if cmp -s "$work/expected.$beam.txt" "$work/got.$beam.txt"; then
    echo "beam $beam: $(wc -l <"$work/got.$beam.txt") lines equal swt translate's"
  else
    echo "beam $beam: the consumer's output differs from swt translate's:"
    diff "$work/expected.$beam.txt" "$work/got.$beam.txt" | head -20
    status=1
  fi
done
exit $status
