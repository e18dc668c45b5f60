#!/usr/bin/env bash
# Installs kubectl, which the snapshot server's kubectl tests (tests/kubectl.rs) run, when it is
# not on PATH yet. Debian/Ubuntu ship it as the `kubernetes-client` package (Debian 12: kubectl
# 1.20); the tests only use commands that kubectl has had since long before that.
set -euo pipefail
exec bash "$(dirname "$0")/../../scripts/apt-install.sh" kubernetes-client kubectl
