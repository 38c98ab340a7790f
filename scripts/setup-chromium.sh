#!/usr/bin/env bash
# Install headless Chromium for the report's browser test (test/report/browser.test.ts).
# Idempotent: does nothing when /usr/bin/chromium already exists. Debian/Ubuntu, as root.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "setup-chromium: $CHROMIUM already present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')); nothing to do"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup-chromium: must run as root (or with sudo) to install chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup-chromium: $CHROMIUM missing; running apt-get update"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
echo "setup-chromium: installing chromium (apt-get install -y chromium)"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "setup-chromium: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "setup-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
