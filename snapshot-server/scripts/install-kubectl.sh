#!/usr/bin/env bash
# Installs kubectl, which the snapshot server's kubectl tests (tests/kubectl.rs) run, when it is
# not on PATH yet. Debian/Ubuntu ship it as the `kubernetes-client` package (Debian 12: kubectl
# 1.20); the tests only use commands that kubectl has had since long before that.
set -euo pipefail

if command -v kubectl >/dev/null 2>&1; then
    echo "kubectl already installed: $(command -v kubectl)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-kubectl: no apt-get on this machine; install kubectl with the system's package manager" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubernetes-client

command -v kubectl >/dev/null 2>&1 || {
    echo "install-kubectl: kubernetes-client installed but kubectl is not on PATH" >&2
    exit 1
}
echo "installed $(kubectl version --client 2>/dev/null | head -n1)"
