#!/usr/bin/env bash
# Installs what Switchboard needs on a Debian machine with Node 20: nats-server, Chromium (the browser
# tests drive Debian's chromium with playwright-core; Playwright's own browser download cannot work here)
# and the npm packages. The web pages need no build: the engine serves them from source.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's nats-server package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  else
    echo "setup: nats-server is missing; run: sudo apt-get update && sudo apt-get install -y nats-server" >&2
    exit 1
  fi
fi

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's chromium package (for the browser tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation fonts-noto-color-emoji >/dev/null
  else
    echo "setup: chromium is missing; run: sudo apt-get update && sudo apt-get install -y chromium fonts-liberation fonts-noto-color-emoji" >&2
    exit 1
  fi
fi

# Reinstall packages only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  # npm ci: the lock file is complete (every optional platform package), so a fresh clone
  # installs exactly what it pins and the lock file is never rewritten.
  npm ci --no-fund --no-audit --loglevel=error
fi
