# Builds (once) and locates the read-only base root shared by all nodes as overlay lowerdir.
# Sourced by fleet.sh.

IMAGE_RECIPE="$FLEET_LIB/image-recipe.sh"
# shellcheck source=image-recipe.sh
source "$IMAGE_RECIPE"

base_dir() {
  local hash
  hash=$(sha256sum "$IMAGE_RECIPE" | cut -c1-16)
  echo "$CACHE_DIR/base-$hash"
}

# The Debian mirror this machine already uses (never a hard-coded host name): the URI of the
# deb822 stanza or sources.list line that serves the base suite.
apt_mirror() {
  local uri
  uri=$(awk -v suite="$BASE_SUITE" '
    /^[[:space:]]*$/ { if (ok && u != "") { print u; exit } ok = 0; u = ""; next }
    tolower($1) == "uris:" { u = $2 }
    tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
    END { if (ok && u != "") print u }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  if [[ -z $uri && -r /etc/apt/sources.list ]]; then
    uri=$(sed -nE "s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+$BASE_SUITE[[:space:]].*/\2/p" \
      /etc/apt/sources.list | head -1)
  fi
  [[ -n $uri ]] || die "no apt source for suite '$BASE_SUITE' in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
  echo "$uri"
}

# ensure_base: print the base path, building it first if this recipe has no cached base yet.
# Built in a temporary directory and renamed, so a half-built base is never used.
ensure_base() {
  local base tmp mirror started
  base=$(base_dir)
  if [[ -d $base ]]; then echo "$base"; return; fi
  mkdir -p "$CACHE_DIR"
  exec {base_lock}>"$CACHE_DIR/base.lock"
  flock "$base_lock"
  if [[ ! -d $base ]]; then
    mirror=$(apt_mirror)
    tmp="$base.tmp"
    rm -rf "$tmp"
    started=$SECONDS
    log "building node base image $base from $mirror (debootstrap, about a minute)"
    if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" "$BASE_SUITE" "$tmp" "$mirror" \
      > "$CACHE_DIR/debootstrap.log" 2>&1; then
      tail -20 "$CACHE_DIR/debootstrap.log" >&2
      die "debootstrap failed (full log: $CACHE_DIR/debootstrap.log)"
    fi
    customize_base "$tmp"
    mv "$tmp" "$base"
    log "base image ready in $((SECONDS - started)) s"
  fi
  exec {base_lock}>&-
  echo "$base"
}
