# One node's life: overlay root, per-node identity, systemd-nspawn boot, kubelet settle, stop.
# Sourced by fleet.sh.
#
# Node directory (FLEET_DIR/nodes/NAME): node.env, address, pid (of systemd-nspawn), upper/ work/
# merged/ (the overlay), layout.json (what the layout wrote), host key, console.log.

RENDER="$FLEET_LIB/render-layout.py"

node_cgroup_dirs() {
  local rel=$CGROUP_PARENT/$(fleet_id)-$1
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    echo "/sys/fs/cgroup/$rel"  # pure cgroup v2
  else
    [[ -d /sys/fs/cgroup/systemd ]] && echo "/sys/fs/cgroup/systemd/$rel"
    [[ -d /sys/fs/cgroup/unified ]] && echo "/sys/fs/cgroup/unified/$rel"
  fi
  return 0
}

# The recorded systemd-nspawn PID, only if that process still is this node's nspawn
# (a PID can be reused: never signal a process we did not start).
node_pid() {
  local pid cmdline
  pid=$(cat "$(node_dir "$1")/pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") || return 1
  [[ $cmdline == *systemd-nspawn* && $cmdline == *" -M $(machine_name "$1") "* ]] || return 1
  echo "$pid"
}

node_running() { node_pid "$1" > /dev/null; }

# A zombie has released everything (mounts, cgroups); only its parent's wait() is missing.
pid_alive() {
  local state
  state=$(sed 's/.*) //; s/ .*//' 2>/dev/null < "/proc/$1/stat") || return 1
  [[ -n $state && $state != Z ]]
}

# The node's init (PID 1 inside), i.e. the child of systemd-nspawn that runs systemd.
node_leader() {
  local pid child
  pid=$(node_pid "$1") || return 1
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    if [[ $(cat "/proc/$child/comm" 2>/dev/null) == systemd ]]; then echo "$child"; return 0; fi
  done
  return 1
}

# node_exec NAME CMD...: run a command as root inside the running node (no ssh, no sudo: works on
# sudo=password nodes and before sshd is up).
node_exec() {
  local leader
  leader=$(node_leader "$1") || die "node '$1' is not running"
  shift
  nsenter --target "$leader" --mount --uts --ipc --pid --root --wd -- \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# Per-node identity and access, written into the overlay before boot.
prepare_root() {
  local name=$1 dir root
  dir=$(node_dir "$name")
  root=$dir/merged
  echo "$name" > "$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n%s\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$NODE_ADDRESS" "$name" > "$root/etc/hosts"
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$root/etc/machine-id"
  echo >> "$root/etc/machine-id"

  rm -f "$root"/etc/ssh/ssh_host_*
  ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$root/etc/ssh/ssh_host_ed25519_key"
  cp "$root/etc/ssh/ssh_host_ed25519_key.pub" "$dir/host_ed25519.pub"
  # The node shares the host's network namespace: sshd must bind its own address only.
  printf 'ListenAddress %s:22\n' "$NODE_ADDRESS" > "$root/etc/ssh/sshd_config.d/10-fleet-listen.conf"

  install -d -m 0700 -o 1000 -g 1000 "$root/home/azureuser/.ssh"
  install -m 0600 -o 1000 -g 1000 "$FLEET_DIR/id_ed25519.pub" "$root/home/azureuser/.ssh/authorized_keys"

  if [[ ,$NODE_OPTIONS, == *,sudo=password,* ]]; then
    local password
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    (umask 077 && echo "$password" > "$dir/sudo-password")
    echo "azureuser:$password" | chroot "$root" chpasswd
    printf 'azureuser ALL=(ALL) ALL\n' > "$root/etc/sudoers.d/azureuser"
  fi
}

render_layout() {
  local name=$1 verbose=${2:-} dir
  dir=$(node_dir "$name")
  "$PYTHON" "$RENDER" write --root "$dir/merged" --layout "$NODE_LAYOUT" --scenario "$NODE_SCENARIO" \
    --node "$name" --address "$NODE_ADDRESS" --launcher "$STANDIN_LAUNCHER" --standin "$STANDIN_DIR" --pki "$dir/pki" \
    --manifest "$dir/layout.json" --previous "$dir/layout.json" $verbose > "$dir/expect"
}

# launch_node NAME: mount the overlay, write identity and layout, boot systemd in the background.
launch_node() {
  local name=$1 dir base cg machine
  dir=$(node_dir "$name")
  base=$(base_dir "$(options_suite "$NODE_OPTIONS")")
  [[ -d $base ]] || die "node '$name': no base image $base"
  mkdir -p "$dir/upper" "$dir/work" "$dir/merged"
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$dir/upper,workdir=$dir/work" "$dir/merged"
  prepare_root "$name"
  node_pki "$name"
  render_layout "$name"
  systemctl --root="$dir/merged" enable --quiet kubelet.service

  machine=$(machine_name "$name")
  local cgroups=()
  mapfile -t cgroups < <(node_cgroup_dirs "$name")
  for cg in "${cgroups[@]}"; do mkdir -p "$cg"; done
  rm -f "$dir/pid"
  # systemd inside needs a cgroup subtree of its own; the host has no systemd to delegate one,
  # so the launching shell moves itself into fresh per-node cgroups, then becomes nspawn
  # (same PID: that is the PID recorded for stop).
  # Every inherited fd above 2 is closed: the fleet lock, or a caller's pipe, must not live on
  # in the node.
  setsid bash -c 'echo $$ > "$1"; shift; while [[ $1 != -- ]]; do echo $$ > "$1/cgroup.procs"; shift; done; shift
    for fd in /proc/$$/fd/*; do fd=${fd##*/}; ((fd > 2)) && eval "exec $fd>&-"; done; exec "$@"' \
    launch "$dir/pid" "${cgroups[@]}" -- \
    systemd-nspawn -q --register=no --keep-unit --link-journal=no --console=read-only \
    -D "$dir/merged" -M "$machine" --hostname="$name" --boot \
    < /dev/null > "$dir/console.log" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do [[ -s $dir/pid ]] && break; sleep 0.1; done
  [[ -s $dir/pid ]] || die "node '$name': systemd-nspawn did not start (see $dir/console.log)"
}

# Prints "ActiveState SubState MainPID Result configz" for the node's kubelet.
kubelet_state() {
  node_exec "$1" sh -c 'eval "$(systemctl show kubelet -p ActiveState -p SubState -p MainPID -p Result)"
    c=no; [ -f /run/kubelet/configz.json ] && c=yes
    echo "$ActiveState $SubState $MainPID $Result $c"' 2>/dev/null
}

# wait_settled TIMEOUT NAME...: waits until each node's sshd listens and its kubelet has settled:
# active with configz written and the same MainPID twice in a row, or failing (restart loop)
# when the scenario breaks it. Fails naming every node that did not get there, and why.
wait_settled() {
  local timeout=$1
  shift
  local pending=("$@") deadline=$((SECONDS + timeout)) name listening state expect
  local active sub mainpid result configz
  local -A last_pid=() detail=()
  local -a failed=()
  while ((${#pending[@]})); do
    listening=" $(port22_listeners | tr '\n' ' ') "
    local still=()
    for name in "${pending[@]}"; do
      load_node "$name"
      if ! node_running "$name"; then
        log "node '$name': systemd-nspawn exited:"
        tail -5 "$(node_dir "$name")/console.log" >&2
        failed+=("$name")
        continue
      fi
      if [[ $listening != *" $NODE_ADDRESS:22 "* ]]; then
        detail[$name]="sshd not listening on $NODE_ADDRESS:22"; still+=("$name"); continue
      fi
      expect=$(cat "$(node_dir "$name")/expect")
      state=$(kubelet_state "$name") || state="? ? 0 ? no"
      read -r active sub mainpid result configz <<< "$state"
      detail[$name]="kubelet $active/$sub MainPID=$mainpid Result=$result configz=$configz (expected $expect)"
      if [[ $expect == running && $active == active && $sub == running && $configz == yes &&
        ${last_pid[$name]:-} == "$mainpid" ]]; then
        continue
      fi
      if [[ $expect == failing && $result == exit-code && $configz == no ]]; then continue; fi
      if [[ $expect == running && $result == exit-code ]] || [[ $expect == failing && $configz == yes ]]; then
        log "node '$name' ($NODE_LAYOUT/$NODE_SCENARIO): ${detail[$name]}; kubelet journal:"
        node_exec "$name" journalctl -u kubelet --no-pager -n 15 -o cat >&2 || true
        failed+=("$name")
        continue
      fi
      last_pid[$name]=$mainpid
      still+=("$name")
    done
    pending=("${still[@]}")
    ((${#pending[@]})) || break
    if ((SECONDS >= deadline)); then
      for name in "${pending[@]}"; do log "node '$name' not ready after ${timeout}s: ${detail[$name]}"; done
      failed+=("${pending[@]}")
      break
    fi
    sleep 0.5
  done
  ((${#failed[@]} == 0)) ||
    die "nodes not ready: ${failed[*]} (inspect: fleet.sh status, fleet.sh ssh NODE; remove: fleet.sh stop ${failed[*]})"
}

# reapply_layout NAME: write another layout/scenario into a running node, the way an operator
# would change it: stop, replace files, daemon-reload, enable, restart.
reapply_layout() {
  local name=$1
  node_exec "$name" systemctl stop kubelet.service 2>/dev/null || true
  node_exec "$name" rm -rf /run/kubelet/configz.json /run/systemd/system/kubelet.service.d
  node_exec "$name" systemctl disable --quiet kubelet.service 2>/dev/null || true
  render_layout "$name" --verbose
  node_exec "$name" systemctl daemon-reload
  node_exec "$name" systemctl enable --quiet kubelet.service
  node_exec "$name" systemctl reset-failed kubelet.service 2>/dev/null || true
  node_exec "$name" systemctl restart kubelet.service
}

# signal_stop NAME: ask the node to halt (SIGTERM to nspawn = clean shutdown of systemd inside).
signal_stop() {
  local pid
  pid=$(node_pid "$1") && kill -TERM "$pid" 2>/dev/null
  return 0
}

# cleanup_node NAME: after nspawn is gone (or never started): unmount, remove cgroups, release
# the address, delete the node directory.
cleanup_node() {
  local name=$1 dir pid i cg addr
  dir=$(node_dir "$name")
  pid=$(cat "$dir/pid" 2>/dev/null) || pid=
  if [[ $pid =~ ^[0-9]+$ ]]; then
    # Still ours, or exiting (its cmdline is already empty then): wait for it to be gone.
    for ((i = 0; i < 40; i++)); do
      pid_alive "$pid" || break
      node_pid "$name" > /dev/null || [[ -z $(tr -d '\0' 2>/dev/null < "/proc/$pid/cmdline") ]] || break
      sleep 0.5
    done
    if node_pid "$name" > /dev/null; then
      log "node '$name': systemd-nspawn (pid $pid) did not exit after SIGTERM, killing it"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 20; i++)); do pid_alive "$pid" || break; sleep 0.25; done
    fi
  fi
  if mountpoint -q "$dir/merged"; then
    for ((i = 0; i < 20; i++)); do umount "$dir/merged" 2>/dev/null && break; sleep 0.25; done
    mountpoint -q "$dir/merged" && die "node '$name': cannot unmount $dir/merged"
  fi
  for cg in $(node_cgroup_dirs "$name"); do
    [[ -d $cg ]] || continue
    # Processes of the node vanish with its PID namespace, but the kernel may need a moment.
    for ((i = 0; i < 20; i++)); do
      find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
      [[ -d $cg ]] || break
      sleep 0.25
    done
    [[ -d $cg ]] && die "node '$name': cannot remove cgroup $cg (processes left: $(cat "$cg/cgroup.procs" | tr '\n' ' '))"
  done
  rm -rf "/run/systemd/nspawn/propagate/$(machine_name "$name")"
  addr=$(cat "$dir/address" 2>/dev/null) && release_address "$addr" "$name"
  rm -rf --one-file-system "$dir"
}
