#!/usr/bin/env bash
# Configures and builds everything into build/ (ccache and a precompiled
# <torch/torch.h> keep rebuilds fast).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > build.cmake.log
ninja -C build
