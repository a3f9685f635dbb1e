#!/usr/bin/env bash
# Configures (once) and builds runac into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
# Quiet when it works; the compiler's messages when it does not.
ninja -C build >build/ninja.log 2>&1 || { cat build/ninja.log >&2; exit 1; }
