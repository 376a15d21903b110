#!/usr/bin/env bash
# Fresh machine → the main job end to end: plan, review, apply, and re-plan (nothing left to do).
# With no arguments it runs against a local test fleet (systemd-nspawn nodes with real sshd and
# systemd, started here as root); with arguments, they name real nodes and are passed to fix:
#   sudo bash scripts/demo.sh                         # local fleet
#   bash scripts/demo.sh --hosts node1,node2          # your nodes (~/.ssh/config, known_hosts)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${DEMO_DIR:-$PWD/.demo}
mkdir -p "$work"

if [ $# -eq 0 ]; then
  bash scripts/setup.sh
  bash fleet/fleet.sh start
  fleet_dir=${FLEET_DIR:-$PWD/.fleet}
  # A fleet left running by an earlier demo is already fixed: put back each node's insecure layout.
  node -e 'for (const n of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) console.log(n.name, n.layout, n.scenario)' "$fleet_dir/nodes.json" |
    while read -r name layout scenario; do bash fleet/fleet.sh layout "$name" "$layout" "$scenario" >/dev/null; done
  hosts=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).map(n=>n.name).join(","))' "$fleet_dir/nodes.json")
  set -- --ssh-config "$fleet_dir/ssh_config" --hosts "$hosts"
  echo "== local fleet: $hosts (stop it with: bash fleet/fleet.sh stop)"
else
  [ -d node_modules ] && [ -f dist/cli/entry.js ] || { npm ci && npm run build; }
fi

fix() { node bin/fix.js "$@"; }

echo; echo "== fix plan $*"
set +e
fix plan "$@" --out "$work/plan.json" --detailed-exitcode
rc=$?
set -e
case $rc in
  0) echo "== every node is compliant: nothing to apply"; exit 0 ;;
  2) ;;
  *) echo "== fix plan reported errors (exit $rc); nodes without errors are still in the plan" ;;
esac

echo; echo "== the same plan as a pull-request comment: $work/plan.md"
fix show "$work/plan.json" --format markdown > "$work/plan.md"

echo; echo "== fix apply $work/plan.json (the reviewed plan file is the approval)"
set +e
fix apply "$work/plan.json" --record "$work/apply-record.json" "$@"
apply_rc=$?
set -e
echo "== apply exit code: $apply_rc; record: $work/apply-record.json"

echo; echo "== fix plan again: applied nodes have nothing left to change"
set +e
fix plan "$@" --detailed-exitcode
echo "== second plan exit code: $? (0 = nothing to change, 1 = some node has an error)"
