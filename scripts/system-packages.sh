#!/usr/bin/env bash
# Debian packages the tests need: Chromium for Playwright (it cannot download a browser here), pdftoppm for
# looking at exported PDFs, clamd for the real virus-scanner test, and Node.js for the OpenID provider of the
# OIDC tests. Installs only what is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -x /usr/sbin/clamd ] || missing+=(clamav-daemon)
# Node.js runs the OpenID provider the OIDC sign-in tests sign in at (tests/fakes/oidc; npm ci from its lock file)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
