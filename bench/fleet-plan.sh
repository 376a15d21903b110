#!/usr/bin/env bash
# Prints how long `fix plan` (and a dry-run apply) take over N local fleet nodes, and the CLI's
# peak memory. Figures only, no pass/fail. As root: bash bench/fleet-plan.sh [N] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
n=${1:-20}
concurrency=${2:-10}
export FLEET_DIR=$(mktemp -d /tmp/kubelet-fix-bench-XXXXXX)
trap 'bash fleet/fleet.sh stop >/dev/null 2>&1; rm -rf "$FLEET_DIR"' EXIT
layouts=(aks-flags/flag-alwaysallow aks-config/both eks/flag-space kubeadm/file-alwaysallow flags-only/auth-missing)
specs=()
for i in $(seq 1 "$n"); do specs+=("bench-$i=${layouts[$(( (i - 1) % ${#layouts[@]} ))]}"); done
start=$(date +%s%N)
bash fleet/fleet.sh start "${specs[@]}" >/dev/null
echo "fleet: $n nodes booted in $(( ($(date +%s%N) - start) / 1000000 )) ms"
hosts=$(seq -f "bench-%g" 1 "$n" | paste -sd, -)
measure() { # label, then the fix arguments
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$FLEET_DIR/time" node bin/fix.js "$@" >/dev/null 2>&1 || true
  read -r secs kib < "$FLEET_DIR/time"
  echo "$label: ${secs} s, peak RSS $((kib / 1024)) MiB"
}
measure "plan ($n nodes, concurrency $concurrency)" plan --ssh-config "$FLEET_DIR/ssh_config" --hosts "$hosts" --concurrency "$concurrency" --out "$FLEET_DIR/plan.json"
measure "plan ($n nodes, concurrency 1)" plan --ssh-config "$FLEET_DIR/ssh_config" --hosts "$hosts" --concurrency 1
measure "apply --dry-run ($n nodes, parallel $concurrency)" apply "$FLEET_DIR/plan.json" --ssh-config "$FLEET_DIR/ssh_config" --dry-run --parallel "$concurrency" --record "$FLEET_DIR/rec.json"
