#!/usr/bin/env bash
# Installs binaryen's wasm-opt, which the benchmark suite's `size` group runs on the example
# gatherers' core modules (`size/*/core-module/wasm-opt`), when it is not on PATH yet. Without it
# the suite notes that it is missing and leaves those figures out.
set -euo pipefail
exec bash "$(dirname "$0")/../../scripts/apt-install.sh" binaryen wasm-opt
