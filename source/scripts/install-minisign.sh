#!/usr/bin/env bash
# Installs the minisign CLI, which wagather-source's signature tests use to make real keys and
# signatures (tests/signature.rs, tests/https.rs), when it is not on PATH yet. Debian/Ubuntu ship
# it as the `minisign` package (Debian 12: minisign 0.11). The tests fail, not skip, without it.
set -euo pipefail

if command -v minisign >/dev/null 2>&1; then
    echo "minisign already installed: $(command -v minisign)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-minisign: no apt-get on this machine; install minisign with the system's package manager" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends minisign

command -v minisign >/dev/null 2>&1 || {
    echo "install-minisign: minisign installed but not on PATH" >&2
    exit 1
}
echo "installed $(minisign -v 2>&1 | head -n1)"
