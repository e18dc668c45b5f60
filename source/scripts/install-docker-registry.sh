#!/usr/bin/env bash
# Installs Debian's `docker-registry` (the CNCF distribution registry, v2.8), which
# wagather-source's OCI tests (tests/oci.rs) start on 127.0.0.1 with a config file of their own,
# when /usr/bin/docker-registry is missing. Only the binary is used: the tests never touch the
# packaged service or its /etc/docker/registry/config.yml (which listens on all interfaces). The
# package's postinst may try to start that service; RUNLEVEL=1 keeps it from starting on :5000
# in containers without policy-rc.d, and where there is no init system it cannot start anyway.
# The tests fail, not skip, without the binary.
set -euo pipefail
exec bash "$(dirname "$0")/../../scripts/apt-install.sh" docker-registry /usr/bin/docker-registry RUNLEVEL=1
