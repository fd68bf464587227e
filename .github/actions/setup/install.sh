#!/usr/bin/env bash
# `make install`, after the setup action's cache step. An exact cache hit (RESTORED=true) restored the
# environment of these very lock files (their hash is in the key), but the checkout gave the lock files
# a newer time than the restored install stamps, so make would install everything again: the stamps are
# touched first and make finds nothing to do. Anything else (a miss) installs from the lock files.
set -euo pipefail
stamps=(.venv/.synced .venv/.synced-dev tools/workflow-lint/node_modules/.installed)
if [ "${RESTORED:-}" = true ] && [ -f "${stamps[0]}" ] && [ -f "${stamps[1]}" ] && [ -f "${stamps[2]}" ]; then
  touch "${stamps[@]}"
  echo "The locked environment came from the cache."
fi
make install
