# Paths and small helpers shared by the fleet scripts. Sourced by fleet.sh.

REPO_DIR=$(cd "$FLEET_LIB/../.." && pwd)
FLEET_DIR=${FLEET_DIR:-$REPO_DIR/.fleet}
CACHE_DIR=/var/cache/kubelet-fix
# Machine-wide state shared by every fleet (addresses must be unique across fleets).
GLOBAL_LOCK=/run/kubelet-fix-fleet.lock
LEASE_DIR=/run/kubelet-fix-fleet/leases
CGROUP_PARENT=kubelet-fix
# The system python has python3-yaml from apt; a python3 earlier in PATH (pyenv...) may not.
PYTHON=/usr/bin/python3

log() { printf 'fleet: %s\n' "$*" >&2; }
die() { printf 'fleet: error: %s\n' "$*" >&2; exit 1; }

require_root() { [[ $(id -u) == 0 ]] || die "must run as root (mounts, cgroups, systemd-nspawn)"; }

# One operation at a time per fleet directory; the lock fd stays open until the script exits.
lock_fleet() {
  mkdir -p "$FLEET_DIR"
  FLEET_DIR=$(cd "$FLEET_DIR" && pwd)
  exec {fleet_lock}>"$FLEET_DIR/.lock"
  flock "$fleet_lock"
}

# A random id, fixed for the life of the fleet directory, that prefixes machine and cgroup names
# so that fleets in different directories never collide.
fleet_id() {
  if [[ ! -s $FLEET_DIR/fleet-id ]]; then
    od -An -N4 -tx1 /dev/urandom | tr -d ' \n' > "$FLEET_DIR/fleet-id"
  fi
  cat "$FLEET_DIR/fleet-id"
}

node_dir() { echo "$FLEET_DIR/nodes/$1"; }
machine_name() { echo "kf-$(fleet_id)-$1"; }

valid_node_name() { [[ $1 =~ ^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$ ]]; }

# Reads KEY=VALUE lines written by write_node_record into NODE_* variables.
load_node() {
  local f
  f="$(node_dir "$1")/node.env"
  [[ -f $f ]] || die "no node '$1' in fleet $FLEET_DIR"
  NODE_NAME= NODE_LAYOUT= NODE_SCENARIO= NODE_OPTIONS= NODE_ADDRESS= NODE_MACHINE=
  # shellcheck disable=SC1090
  source "$f"
}

# options_suite OPTIONS: the node's OS (a Debian suite) from its comma-separated options.
options_suite() {
  local opt suite=$DEFAULT_SUITE
  local -a opts=()
  IFS=, read -ra opts <<< "$1"
  for opt in "${opts[@]}"; do [[ $opt == os=* ]] && suite=${opt#os=}; done
  echo "$suite"
}

write_node_record() {
  local dir
  dir=$(node_dir "$NODE_NAME")
  {
    printf 'NODE_NAME=%q\n' "$NODE_NAME"
    printf 'NODE_LAYOUT=%q\n' "$NODE_LAYOUT"
    printf 'NODE_SCENARIO=%q\n' "$NODE_SCENARIO"
    printf 'NODE_OPTIONS=%q\n' "$NODE_OPTIONS"
    printf 'NODE_ADDRESS=%q\n' "$NODE_ADDRESS"
    printf 'NODE_MACHINE=%q\n' "$NODE_MACHINE"
  } > "$dir/node.env.tmp"
  mv "$dir/node.env.tmp" "$dir/node.env"
}

fleet_nodes() {
  local d
  for d in "$FLEET_DIR"/nodes/*/; do
    [[ -f $d/node.env ]] && basename "$d"
  done
  return 0
}

# Each node's systemd takes several inotify instances, and all nodes count against root's
# limit (no user namespaces): the default 128 stops at about 20 nodes.
ensure_inotify_instances() {
  local want=8192 have
  have=$(cat /proc/sys/fs/inotify/max_user_instances)
  if ((have < want)); then
    log "raising fs.inotify.max_user_instances from $have to $want (each node's systemd needs several)"
    echo "$want" > /proc/sys/fs/inotify/max_user_instances
  fi
}
