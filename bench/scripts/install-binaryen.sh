#!/usr/bin/env bash
# Installs binaryen's wasm-opt, which the benchmark suite's `size` group runs on the example
# gatherers' core modules (`size/*/core-module/wasm-opt`), when it is not on PATH yet. Without it
# the suite notes that it is missing and leaves those figures out.
set -euo pipefail

if command -v wasm-opt >/dev/null 2>&1; then
    echo "wasm-opt already installed: $(command -v wasm-opt)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-binaryen: no apt-get on this machine; install binaryen with the system's package manager" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binaryen

command -v wasm-opt >/dev/null 2>&1 || {
    echo "install-binaryen: binaryen installed but wasm-opt is not on PATH" >&2
    exit 1
}
echo "installed $(wasm-opt --version)"
