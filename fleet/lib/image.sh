# Builds (once per suite) and locates the read-only base roots shared by nodes as overlay lowerdir.
# Sourced by fleet.sh.

IMAGE_RECIPE="$FLEET_LIB/image-recipe.sh"
# shellcheck source=image-recipe.sh
source "$IMAGE_RECIPE"
# FLEET_OS=bullseye boots nodes without an os= option from bullseye: the whole fleet test suite
# on the older systemd.
DEFAULT_SUITE=${FLEET_OS:-${BASE_SUITES[0]}}

valid_suite() {
  local s
  for s in "${BASE_SUITES[@]}"; do [[ $1 == "$s" ]] && return 0; done
  return 1
}

# base_dir SUITE
base_dir() {
  local hash
  hash=$({ cat "$IMAGE_RECIPE"; echo "suite=$1"; } | sha256sum | cut -c1-16)
  echo "$CACHE_DIR/base-$1-$hash"
}

# apt_source_for SUITE: the URI of the deb822 stanza or sources.list line that serves SUITE.
apt_source_for() {
  local suite=$1 uri
  uri=$(awk -v suite="$suite" '
    /^[[:space:]]*$/ { if (ok && u != "") { print u; exit } ok = 0; u = ""; next }
    tolower($1) == "uris:" { u = $2 }
    tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
    END { if (ok && u != "") print u }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  if [[ -z $uri && -r /etc/apt/sources.list ]]; then
    uri=$(sed -nE "s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+$suite[[:space:]].*/\2/p" \
      /etc/apt/sources.list | head -1)
  fi
  echo "$uri"
}

# apt_mirror SUITE: the Debian mirror this machine already uses (never a hard-coded host name).
# A suite the machine does not list itself (bullseye on a bookworm host) comes from the mirror
# that serves the machine's own suite: a Debian mirror carries every suite.
apt_mirror() {
  local suite=$1 uri host_suite
  uri=$(apt_source_for "$suite")
  if [[ -z $uri ]]; then
    host_suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
    [[ -n $host_suite ]] && uri=$(apt_source_for "$host_suite")
  fi
  [[ -n $uri ]] ||
    die "no apt source for suite '$suite'${host_suite:+ or '$host_suite'} in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
  echo "$uri"
}

# ensure_base [SUITE]: print the base path, building it first if this recipe has no cached base
# for SUITE yet (the default suite if none). Built in a temporary directory and renamed, so a
# half-built base is never used; one lock for all builds, so concurrent starts (several fleets,
# CI jobs) build each base once.
ensure_base() {
  valid_suite "$DEFAULT_SUITE" || die "FLEET_OS: unknown node OS '$DEFAULT_SUITE' (known: ${BASE_SUITES[*]})"
  local suite=${1:-$DEFAULT_SUITE} base tmp mirror started
  valid_suite "$suite" || die "unknown node OS '$suite' (known: ${BASE_SUITES[*]})"
  base=$(base_dir "$suite")
  if [[ -d $base ]]; then echo "$base"; return; fi
  mkdir -p "$CACHE_DIR"
  exec {base_lock}>"$CACHE_DIR/base.lock"
  flock "$base_lock"
  if [[ ! -d $base ]]; then
    mirror=$(apt_mirror "$suite")
    tmp="$base.tmp"
    rm -rf "$tmp"
    started=$SECONDS
    log "building node base image $base ($suite) from $mirror (debootstrap, about a minute)"
    if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" "$suite" "$tmp" "$mirror" \
      > "$CACHE_DIR/debootstrap-$suite.log" 2>&1; then
      tail -20 "$CACHE_DIR/debootstrap-$suite.log" >&2
      die "debootstrap of $suite failed (full log: $CACHE_DIR/debootstrap-$suite.log)"
    fi
    customize_base "$tmp"
    mv "$tmp" "$base"
    log "base image ready in $((SECONDS - started)) s"
  fi
  exec {base_lock}>&-
  echo "$base"
}
