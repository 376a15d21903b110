# Loopback addresses for node sshd: 127.77.X.Y, unique across every fleet on the machine.
# A lease file per address, taken under one machine-wide lock, records which fleet and node
# hold it. Sourced by fleet.sh.

# Prints host listeners on port 22 ("ADDR:22"), one per line.
port22_listeners() { ss -Hltn 2>/dev/null | awk '{print $4}' | grep -E ':22$' || true; }

# Refuses to start when something listens on port 22 of every address: nodes could not bind.
check_port22_free() {
  local l
  for l in $(port22_listeners); do
    case $l in
      0.0.0.0:22 | \*:22 | '[::]:22') die "a process on this machine listens on $l (all addresses): node sshd could not bind 127.77.x.y:22; make it listen on specific addresses only" ;;
    esac
  done
}

# A lease is stale when the node it names no longer records that address (stopped, or its fleet
# directory is gone) and nothing listens there.
lease_is_stale() {
  local addr=$1 dir name
  IFS=$'\t' read -r dir name < "$LEASE_DIR/$addr" || return 0
  [[ $(cat "$dir/nodes/$name/address" 2>/dev/null) != "$addr" ]]
}

# allocate_addresses NAME...: records an address in each node's directory (nodes/NAME/address)
# while holding the lock, so that no other fleet can take it as stale in between.
allocate_addresses() {
  local lock listening n=0 addr name
  mkdir -p "$LEASE_DIR"
  exec {lock}>"$GLOBAL_LOCK"
  flock "$lock"
  listening=" $(port22_listeners | tr '\n' ' ') "
  for name in "$@"; do
    while :; do
      ((n < 254 * 254)) || die "no free loopback address in 127.77.0.0/16"
      addr=127.77.$((n / 254 + 1)).$((n % 254 + 1))
      n=$((n + 1))
      [[ $listening == *" $addr:22 "* ]] && continue
      if [[ -e $LEASE_DIR/$addr ]] && ! lease_is_stale "$addr"; then continue; fi
      printf '%s\t%s\n' "$FLEET_DIR" "$name" > "$LEASE_DIR/$addr"
      mkdir -p "$FLEET_DIR/nodes/$name"
      echo "$addr" > "$FLEET_DIR/nodes/$name/address"
      break
    done
  done
  exec {lock}>&-
}

release_address() {
  local addr=$1 name=$2 dir owner
  [[ -n $addr && -f $LEASE_DIR/$addr ]] || return 0
  IFS=$'\t' read -r dir owner < "$LEASE_DIR/$addr" || true
  if [[ $dir == "$FLEET_DIR" && $owner == "$name" ]]; then rm -f "$LEASE_DIR/$addr"; fi
}
