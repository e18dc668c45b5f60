#!/usr/bin/env bash
# Installs a Debian package for a tool the checks drive for real, when the tool is missing:
#
#   scripts/apt-install.sh PACKAGE TOOL [ENV=VALUE ...]
#
# TOOL is a command looked up on PATH, or an absolute path to an executable. ENV=VALUE pairs are
# set for apt-get (for example RUNLEVEL=1, which keeps a package's service from starting).
# The */scripts/install-*.sh scripts, which .ci/run runs, say which tool each crate's tests need
# and why; this is what they share.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 PACKAGE TOOL [ENV=VALUE ...]" >&2
    exit 2
fi
PACKAGE=$1
TOOL=$2
shift 2

found() {
    case "$TOOL" in
        /*) [ -x "$TOOL" ] && echo "$TOOL" ;;
        *) command -v "$TOOL" ;;
    esac
}

if where=$(found); then
    echo "$TOOL already installed: $where"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "$PACKAGE: no apt-get on this machine; install $PACKAGE (for $TOOL) with the system's package manager" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive "$@" apt-get install -y -qq --no-install-recommends "$PACKAGE"

where=$(found) || {
    echo "$PACKAGE installed but $TOOL is not found" >&2
    exit 1
}
echo "installed $PACKAGE: $where"
