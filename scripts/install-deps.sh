#!/usr/bin/env bash
# Installs the Debian 12 packages depict builds and tests with. Idempotent: packages already
# present are not touched, so the test script can call it on every run.
set -euo pipefail
packages=(
  build-essential cmake ninja-build python3
  libcli11-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev libspdlog-dev
  clang-14 libclang-rt-14-dev clang-format-14
  libicu-dev libcld2-dev libdnnl-dev libpng-dev libjpeg62-turbo-dev zlib1g-dev libssl-dev libpcre2-dev libunistring-dev
  libcpp-httplib-dev libhiredis-dev python3-pip python3-venv
  chromium chromium-driver redis-server
)
# chromium (headless) screenshots the audit's report page in its test, and drives the
# service's page through chromium-driver; redis-server is the real queue the worker tests use.
# node and npm fetch the vision models (scripts/fetch-models.sh); a node that came from elsewhere
# (NodeSource bundles npm with it) is used as it is.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
