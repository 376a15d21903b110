#!/usr/bin/env bash
# Prepares this machine (Debian 12 "bookworm", as root) to build and test kubelet-fix, including
# the test fleet (fleet/fleet.sh). Idempotent: does only what is missing, and says what it does.
#
#   scripts/setup.sh [--no-build] [--no-image]
#     --no-build   skip `npm run build`
#     --no-image   skip the fleet's node base image (debootstrap, about a minute, cached)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=1 IMAGE=1
for arg in "$@"; do
  case $arg in
    --no-build) BUILD=0 ;;
    --no-image) IMAGE=0 ;;
    -h | --help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

step() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (apt, and the fleet needs mounts, cgroups and systemd-nspawn)"

# The fleet: systemd-nspawn nodes built by debootstrap, reached with ssh; gcc builds the kubelet
# stand-in's launcher, openssl the nodes' test certificates, python3-yaml reads the layouts.
APT_PACKAGES=(systemd-container debootstrap openssh-client openssh-server sudo python3 python3-yaml
  iproute2 util-linux gcc libc6-dev openssl)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  step "installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
  step "apt packages present"
fi

command -v node > /dev/null || die "Node.js 20 is needed and not installed"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || die "Node.js 20 or later is needed, found $(node --version)"

cd "$REPO"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "npm ci"
  npm ci
else
  step "node_modules up to date with package-lock.json"
fi

if ((BUILD)); then
  step "npm run build"
  npm run build
fi

if ((IMAGE)); then
  step "fleet node base image and kubelet stand-in"
  bash fleet/fleet.sh image
fi
step "done"
