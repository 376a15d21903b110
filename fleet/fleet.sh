#!/usr/bin/env bash
# A fleet of kubelet test nodes on this machine: each node is a real systemd (252, or 247 with
# os=bullseye) booted in systemd-nspawn (own PID namespace, host network), with real sshd on its
# own loopback address and real sudo; only the kubelet is a stand-in (fleet/kubelet-standin/).
# Needs root.
#
#   fleet.sh start [NAME=LAYOUT/SCENARIO[,OPTION...] ...]   no argument: a demo set of nodes
#   fleet.sh stop [NAME...]                                 no argument: every node of the fleet
#   fleet.sh status
#   fleet.sh layout NAME LAYOUT SCENARIO                    re-apply a layout on a running node
#   fleet.sh ssh NAME [COMMAND...]
#   fleet.sh layouts                                        list layouts and their scenarios
#   fleet.sh image [OS]                                     build the cached base image now
#
# OPTION: sudo=password (azureuser's sudo asks for a password; it is in nodes/NAME/sudo-password);
#         os=bookworm (default, systemd 252) or os=bullseye (systemd 247; its base image is built
#         on first use). FLEET_OS=bullseye makes bullseye the default.
# State lives in $FLEET_DIR (default <repo>/.fleet): ssh_config, known_hosts, nodes.json,
# id_ed25519 (the login key), nodes/NAME/.
set -euo pipefail

FLEET_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
source "$FLEET_LIB/common.sh"
source "$FLEET_LIB/image.sh"
source "$FLEET_LIB/standin.sh"
source "$FLEET_LIB/addresses.sh"
source "$FLEET_LIB/node.sh"
source "$FLEET_LIB/access.sh"
source "$FLEET_LIB/pki.sh"

# Mostly insecure, in every layout, so that `fix plan` has something to show.
DEMO_NODES=(
  aks-1=aks-flags/flag-alwaysallow
  aks-2=aks-config/file-alwaysallow
  aks-3=aks-flags/envfile-overrides-dropin
  eks-1=eks/both
  kubeadm-1=kubeadm/compliant
  flags-1=flags-only/auth-missing
)
KNOWN_OPTIONS=(sudo=password)
for suite in "${BASE_SUITES[@]}"; do KNOWN_OPTIONS+=("os=$suite"); done
BOOT_TIMEOUT=${FLEET_BOOT_TIMEOUT:-120}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

# parse_spec SPEC: sets SPEC_NAME SPEC_LAYOUT SCENARIO SPEC_OPTIONS, or dies saying what is wrong.
parse_spec() {
  local spec=$1 rest opt known os=
  [[ $spec =~ ^([^=]+)=([^/]+)/([^,]+)(,(.*))?$ ]] ||
    die "bad node spec '$spec': expected NAME=LAYOUT/SCENARIO[,OPTION...]"
  SPEC_NAME=${BASH_REMATCH[1]} SPEC_LAYOUT=${BASH_REMATCH[2]} SPEC_SCENARIO=${BASH_REMATCH[3]}
  rest=${BASH_REMATCH[5]}
  valid_node_name "$SPEC_NAME" ||
    die "bad node name '$SPEC_NAME' in '$spec': lowercase letters, digits and '-', at most 48 characters"
  "$PYTHON" "$FLEET_LIB/render-layout.py" check "$SPEC_LAYOUT" "$SPEC_SCENARIO" || exit 1
  SPEC_OPTIONS=
  local opts=()
  [[ -n $rest ]] && IFS=, read -ra opts <<< "$rest"
  for opt in "${opts[@]}"; do
    known=0
    for k in "${KNOWN_OPTIONS[@]}"; do [[ $opt == "$k" ]] && known=1; done
    ((known)) || die "unknown option '$opt' in '$spec' (options: ${KNOWN_OPTIONS[*]})"
    if [[ $opt == os=* ]]; then
      [[ -z $os ]] || die "option os= given twice in '$spec'"
      os=${opt#os=}
    fi
  done
  SPEC_OPTIONS=$rest
}

cmd_start() {
  require_root
  lock_fleet
  local specs=("$@") started=$SECONDS
  ((${#specs[@]})) || specs=("${DEMO_NODES[@]}")
  local -a names=() layouts=() scenarios=() options=()
  local -A seen=()
  local spec i
  for spec in "${specs[@]}"; do
    parse_spec "$spec"
    [[ -z ${seen[$SPEC_NAME]:-} ]] || die "node '$SPEC_NAME' is given twice"
    seen[$SPEC_NAME]=1
    names+=("$SPEC_NAME") layouts+=("$SPEC_LAYOUT") scenarios+=("$SPEC_SCENARIO") options+=("$SPEC_OPTIONS")
  done

  # Only the bases these nodes boot from: os=bullseye is built on first use.
  local -A suites=()
  for i in "${!names[@]}"; do suites[$(options_suite "${options[$i]}")]=1; done
  for i in "${!suites[@]}"; do ensure_base "$i" > /dev/null; done
  ensure_standin
  ensure_client_key
  ensure_fleet_ca

  local -a new=() relayout=()
  for i in "${!names[@]}"; do
    local name=${names[$i]}
    if [[ -f $(node_dir "$name")/node.env ]] && node_running "$name"; then
      load_node "$name"
      if [[ $NODE_OPTIONS != "${options[$i]}" ]]; then
        die "node '$name' is running with options '${NODE_OPTIONS}', not '${options[$i]}': stop it first"
      elif [[ $NODE_LAYOUT == "${layouts[$i]}" && $NODE_SCENARIO == "${scenarios[$i]}" ]]; then
        log "node '$name' already running ($NODE_LAYOUT/$NODE_SCENARIO at $NODE_ADDRESS)"
      else
        relayout+=("$i")
      fi
      continue
    fi
    if [[ -d $(node_dir "$name") ]]; then
      log "node '$name': cleaning up what a previous run left"
      cleanup_node "$name"
    fi
    new+=("$i")
  done

  if ((${#new[@]})); then
    check_port22_free
    ensure_inotify_instances
    local -a new_names=()
    for i in "${new[@]}"; do new_names+=("${names[$i]}"); done
    allocate_addresses "${new_names[@]}"
    for i in "${new[@]}"; do
      NODE_NAME=${names[$i]} NODE_LAYOUT=${layouts[$i]} NODE_SCENARIO=${scenarios[$i]}
      NODE_OPTIONS=${options[$i]} NODE_MACHINE=$(machine_name "${names[$i]}")
      NODE_ADDRESS=$(cat "$(node_dir "$NODE_NAME")/address")
      write_node_record
    done
    log "booting ${#new_names[@]} node(s): ${new_names[*]}"
    for i in "${new[@]}"; do
      load_node "${names[$i]}"
      launch_node "${names[$i]}"
    done
    write_access_files
    wait_settled "$BOOT_TIMEOUT" "${new_names[@]}"
  fi

  for i in "${relayout[@]}"; do
    load_node "${names[$i]}"
    log "node '${names[$i]}': layout $NODE_LAYOUT/$NODE_SCENARIO -> ${layouts[$i]}/${scenarios[$i]}"
    NODE_LAYOUT=${layouts[$i]} NODE_SCENARIO=${scenarios[$i]}
    write_node_record
    reapply_layout "${names[$i]}"
    wait_settled 60 "${names[$i]}"
  done

  write_access_files
  log "fleet ready in $((SECONDS - started)) s: ssh -F $FLEET_DIR/ssh_config NODE"
  cmd_status_unlocked
}

cmd_stop() {
  require_root
  lock_fleet
  local names=("$@") name
  if ((${#names[@]} == 0)); then
    for name in "$FLEET_DIR"/nodes/*/; do [[ -d $name ]] && names+=("$(basename "$name")"); done
  fi
  local -a present=()
  for name in "${names[@]}"; do
    if [[ -d $(node_dir "$name") ]]; then present+=("$name"); else log "node '$name' is not in this fleet (already stopped?)"; fi
  done
  # Halt all at once, then wait for each: the halts run in parallel.
  for name in "${present[@]}"; do signal_stop "$name"; done
  for name in "${present[@]}"; do
    cleanup_node "$name"
    log "node '$name' stopped"
  done
  write_access_files
}

cmd_status_unlocked() {
  local name state pid
  printf '%-20s %-15s %-38s %-22s %s\n' NODE ADDRESS LAYOUT/SCENARIO NODE KUBELET
  for name in $(fleet_nodes); do
    load_node "$name"
    if pid=$(node_pid "$name"); then
      state=$(kubelet_state "$name" | awk '{printf "%s/%s MainPID=%s", $1, $2, $3}') || state="?"
      printf '%-20s %-15s %-38s %-22s %s\n' "$name" "$NODE_ADDRESS" "$NODE_LAYOUT/$NODE_SCENARIO${NODE_OPTIONS:+,$NODE_OPTIONS}" \
        "running (pid $pid)" "$state"
    else
      printf '%-20s %-15s %-38s %-22s %s\n' "$name" "$NODE_ADDRESS" "$NODE_LAYOUT/$NODE_SCENARIO" "not running" "-"
    fi
  done
}

cmd_status() {
  require_root
  lock_fleet
  cmd_status_unlocked
}

cmd_layout() {
  (($# == 3)) || die "usage: fleet.sh layout NAME LAYOUT SCENARIO"
  require_root
  lock_fleet
  local name=$1
  load_node "$name"
  node_running "$name" || die "node '$name' is not running"
  "$PYTHON" "$FLEET_LIB/render-layout.py" check "$2" "$3" || exit 1
  ensure_standin
  NODE_LAYOUT=$2 NODE_SCENARIO=$3
  write_node_record
  reapply_layout "$name"
  wait_settled 60 "$name"
  write_access_files
  log "node '$name': layout $2/$3 applied, kubelet $(kubelet_state "$name" | awk '{print $1 "/" $2 " MainPID=" $3}')"
}

cmd_ssh() {
  (($# >= 1)) || die "usage: fleet.sh ssh NAME [COMMAND...]"
  FLEET_DIR=$(cd "$FLEET_DIR" && pwd)
  [[ -f $FLEET_DIR/ssh_config ]] || die "no fleet in $FLEET_DIR"
  local name=$1
  shift
  exec ssh -F "$FLEET_DIR/ssh_config" "$name" "$@"
}

# Builds what every start needs (cached): the node base image and the stand-in launcher.
cmd_image() {
  require_root
  local base
  base=$(ensure_base "${1:-$DEFAULT_SUITE}")
  ensure_standin
  echo "base image: $base"
  echo "kubelet stand-in launcher: $STANDIN_LAUNCHER"
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status ;;
  layout) shift; cmd_layout "$@" ;;
  ssh) shift; cmd_ssh "$@" ;;
  layouts) "$PYTHON" "$FLEET_LIB/render-layout.py" list ;;
  image) shift; cmd_image "$@" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
