#!/usr/bin/env bash
# Installs Debian's `docker-registry` (the CNCF distribution registry, v2.8), which
# wagather-source's OCI tests (tests/oci.rs) start on 127.0.0.1 with a config file of their own,
# when /usr/bin/docker-registry is missing. Only the binary is used: the tests never touch the
# packaged service or its /etc/docker/registry/config.yml (which listens on all interfaces). The
# package's postinst may try to start that service; where there is no init system it cannot, and
# the install still succeeds. The tests fail, not skip, without the binary.
set -euo pipefail

BIN=/usr/bin/docker-registry

if [ -x "$BIN" ]; then
    echo "docker-registry already installed: $BIN"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-docker-registry: no apt-get on this machine; install docker-registry (distribution v2) with the system's package manager" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update -qq
# policy-rc.d-less containers: keep the packaged service from starting on :5000.
$SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends docker-registry

[ -x "$BIN" ] || {
    echo "install-docker-registry: docker-registry installed but $BIN is missing" >&2
    exit 1
}
echo "installed $($BIN --version 2>/dev/null | head -n1)"
