# Certificates a kubelet opens at start (client CA bundle, serving pair), as real nodes have
# them: a CA per fleet (FLEET_DIR/pki) and a serving pair per node signed by it. Test-only.
# Sourced by fleet.sh.

ensure_fleet_ca() {
  local pki=$FLEET_DIR/pki
  [[ -f $pki/ca.crt ]] && return
  mkdir -p "$pki"
  chmod 0700 "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=kubernetes-fleet-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt.tmp" 2>/dev/null ||
    die "cannot create the fleet CA (openssl)"
  mv "$pki/ca.crt.tmp" "$pki/ca.crt"
}

# node_pki NAME: writes ca.crt, kubelet.crt, kubelet.key into the node directory's pki/.
node_pki() {
  local name=$1 dir pki=$FLEET_DIR/pki
  dir=$(node_dir "$1")/pki
  mkdir -p "$dir"
  chmod 0700 "$dir"
  cp "$pki/ca.crt" "$dir/ca.crt"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$dir/kubelet.key" -out "$dir/kubelet.csr" 2>/dev/null &&
    openssl x509 -req -in "$dir/kubelet.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 3650 -extfile <(printf 'subjectAltName=DNS:%s,IP:%s\n' "$name" "$NODE_ADDRESS") \
      -out "$dir/kubelet.crt" 2>/dev/null ||
    die "node '$name': cannot create its serving certificate (openssl)"
  rm -f "$dir/kubelet.csr"
}
