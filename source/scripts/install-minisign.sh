#!/usr/bin/env bash
# Installs the minisign CLI, which wagather-source's signature tests use to make real keys and
# signatures (tests/signature.rs, tests/https.rs), when it is not on PATH yet. Debian/Ubuntu ship
# it as the `minisign` package (Debian 12: minisign 0.11). The tests fail, not skip, without it.
set -euo pipefail
exec bash "$(dirname "$0")/../../scripts/apt-install.sh" minisign minisign
