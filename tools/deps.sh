#!/bin/bash
# Installs the Debian packages a make target needs, only those missing.
# `apt-get update` runs only when something is missing.  Usage:
#   tools/deps.sh build|test|fuzz|peers|run ...
# test and peers also install the npm packages of tests/peers, test and run
# those of web/ (the demo page's JsSIP and esbuild): npm ci, only when
# node_modules is missing or older than the lock file.
set -eu

build_pkgs="gcc make pkg-config meson ninja-build python3 libssl-dev libsrtp2-dev libopus-dev
  libspandsp-dev libbcg729-dev libpcre2-dev libedit-dev"
fuzz_pkgs="clang libclang-rt-14-dev"
peers_pkgs="sip-tester baresip-core baresip rtpengine-daemon kamailio kamailio-websocket-modules
  kamailio-tls-modules coturn tshark chromium nodejs npm"
test_pkgs="$fuzz_pkgs tmux openssl iproute2 $peers_pkgs"

want=""
npm_dirs=""
for group in "$@"; do
  case "$group" in
    build) want="$want $build_pkgs" ;;
    fuzz) want="$want $build_pkgs $fuzz_pkgs" ;;
    test) want="$want $build_pkgs $test_pkgs"; npm_dirs="$npm_dirs tests/peers web" ;;
    peers) want="$want $build_pkgs $peers_pkgs"; npm_dirs="$npm_dirs tests/peers" ;;
    run) want="$want $build_pkgs $peers_pkgs"; npm_dirs="$npm_dirs web" ;;
    *) echo "deps.sh: unknown group $group" >&2; exit 2 ;;
  esac
done

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    # node/npm may come from outside Debian on a developer machine.
    case "$p" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    missing="$missing $p"
  fi
done
npm_peers() {
  local top rel dir stamp done_dirs=" "
  top="$(cd "$(dirname "$0")/.." && pwd)"
  for rel in $npm_dirs; do
    case "$done_dirs" in *" $rel "*) continue ;; esac
    done_dirs="$done_dirs$rel "
    dir="$top/$rel"
    # npm records what it installed in node_modules/.package-lock.json.
    stamp="$dir/node_modules/.package-lock.json"
    if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
      echo "deps.sh: npm ci in $rel"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && touch "$stamp")
    fi
  done
}

if [ -z "$missing" ]; then
  npm_peers
  exit 0
fi

echo "deps.sh: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
npm_peers
