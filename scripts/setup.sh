#!/usr/bin/env bash
# Install what Naradamping needs on Debian 12, if it is missing.  Idempotent:
# when everything is present it changes nothing and asks no package server.
set -euo pipefail

# chromium is large; only tests/test_status_page.c uses it (and skips without it).
packages=(build-essential cmake pkg-config clang libclang-rt-14-dev
          libsqlite3-dev libsodium-dev libwebsockets-dev libmsgpack-dev libcmocka-dev
          chromium)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all dependencies present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
