#!/usr/bin/env bash
# The system packages the tests need: Debian's Chromium (browser tests) and
# redis-server (Redis tests), at the paths the tests launch (CHROME_PATH and
# REDIS_SERVER, else /usr/bin). `npm test` runs this first (its pretest), and
# .ci/run too. Does nothing when both are there; else installs them with apt-get,
# as root or through sudo without a prompt, or stops with one line saying what to run.
set -euo pipefail

fail() {
  echo "setup-system: $*" >&2
  exit 1
}

need=()
if [ -n "${CHROME_PATH:-}" ]; then
  [ -x "$CHROME_PATH" ] || fail "CHROME_PATH=$CHROME_PATH is not an executable; point it at Chromium or unset it"
elif [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
if [ -n "${REDIS_SERVER:-}" ]; then
  [ -x "$REDIS_SERVER" ] || fail "REDIS_SERVER=$REDIS_SERVER is not an executable; point it at redis-server or unset it"
elif [ ! -x /usr/bin/redis-server ]; then
  need+=(redis-server)
fi
[ ${#need[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null 2>&1 ||
  fail "the tests need ${need[*]}: install them with your package manager and set CHROME_PATH / REDIS_SERVER to their paths"

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  # -n: never wait for a password inside npm test; say what to run instead.
  sudo -n true 2>/dev/null || fail "the tests need ${need[*]}: run  sudo scripts/setup-system.sh  (or sudo apt-get install ${need[*]})"
  sudo=(sudo -n)
fi

echo "setup-system: installing ${need[*]} with apt-get"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
for binary in "${need[@]}"; do
  [ -x "/usr/bin/$binary" ] || fail "apt-get installed $binary but /usr/bin/$binary is missing; set CHROME_PATH / REDIS_SERVER"
done
