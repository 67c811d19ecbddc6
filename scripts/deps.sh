#!/bin/sh
# deps.sh — install the Debian packages tripflow builds, tests and benchmarks
# with, when they are missing.  Nothing is downloaded from anywhere else
# (DuckDB for the cross-checks comes from the npm registry, in tests/tools).
set -e

PKGS="gcc make libc6-dev pkg-config git clang libclang-rt-14-dev
libsqlite3-dev sqlite3 libzstd-dev libsnappy-dev liblz4-dev zlib1g-dev libjansson-dev
libcurl4-openssl-dev libmicrohttpd-dev libhiredis-dev libavro-dev libxxhash-dev
redis-server tzdata nodejs npm procps time bc"

missing=""
for p in $PKGS; do
    # nodejs/npm from another repository (NodeSource) also count as installed
    case $p in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi
echo "deps: installing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: not root; run as root: apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
