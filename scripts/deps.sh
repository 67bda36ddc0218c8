#!/usr/bin/env bash
# Installs the Debian 12 packages trainsite builds and tests with (only what is missing).
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config git
      libsimgrid-dev libeigen3-dev libyaml-cpp-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libcli11-dev
      libsqlite3-dev sqlite3 libgtest-dev libgmock-dev libbenchmark-dev
      qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev poppler-utils python3
      chromium)  # chromium: the HTML report is tested in a real browser (headless)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "scripts/deps.sh: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
