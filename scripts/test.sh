#!/usr/bin/env bash
# Fresh machine → whole test suite. As root: installs what the tests need (Debian packages,
# npm packages, the node base image), builds, then runs every test. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bash test/run-all.sh "$@"
