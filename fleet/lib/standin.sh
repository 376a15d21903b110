# The kubelet stand-in (fleet/kubelet-standin/): a C launcher that stays the unit's MainPID with
# the exact argv systemd gave it, and the python that validates/computes like the kubelet.
# Sourced by fleet.sh.

STANDIN_DIR=${KUBELET_STANDIN_DIR:-$REPO_DIR/fleet/kubelet-standin}

# ensure_standin: sets STANDIN_LAUNCHER, compiling the launcher once per source hash. The
# python files of STANDIN_DIR are installed as they are (render-layout.py).
ensure_standin() {
  local src=$STANDIN_DIR/kubelet-launcher.c hash out
  [[ -f $src && -f $STANDIN_DIR/kubelet.py ]] ||
    die "kubelet stand-in missing: need $src and $STANDIN_DIR/kubelet.py"
  hash=$(sha256sum "$src" | cut -c1-16)
  out=$CACHE_DIR/standin-$hash/kubelet-launcher
  if [[ ! -x $out ]]; then
    mkdir -p "${out%/*}"
    # Static, so the binary does not depend on the host's libc matching the nodes'.
    gcc -O2 -Wall -static -o "$out.tmp.$$" "$src" || die "cannot compile $src"
    mv "$out.tmp.$$" "$out"
  fi
  STANDIN_LAUNCHER=$out
}
