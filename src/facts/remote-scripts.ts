/**
 * The POSIX sh scripts run on a node (as root, through `sudo -n sh -s`), sent on stdin so nothing
 * but fixed words and shellQuote'd paths ever reaches a command line.
 *
 * Output framing, one record per line: KIND <TAB> base64(path) <TAB> base64(payload). Base64 makes
 * any byte (newline, tab, NUL in /proc/PID/cmdline) safe; parse with parseRecords().
 *
 * Records for a file: LINK (symlink target), then MISSING, ERROR (unreadable, with the message),
 * or META ("mode owner group mtime size") followed by CONTENT.
 */

/** Shell functions shared by both scripts. No "${" anywhere: these are raw template strings. */
const COMMON = String.raw`
export LC_ALL=C
set -f
b64() { base64 | tr -d '\n'; }
rec() { printf '%s\t%s\t%s\n' "$1" "$(printf '%s' "$2" | b64)" "$3"; }
text() { rec "$1" "$2" "$(printf '%s' "$3" | b64)"; }

file_record() {
  fr_path=$1
  if [ -L "$fr_path" ]; then text LINK "$fr_path" "$(readlink -f -- "$fr_path" 2>&1)"; fi
  if [ ! -e "$fr_path" ]; then rec MISSING "$fr_path" ''; return; fi
  if [ -d "$fr_path" ]; then text ERROR "$fr_path" 'is a directory'; return; fi
  if ! fr_meta=$(stat -L -c '%a %U %G %Y %s' -- "$fr_path" 2>&1); then
    text ERROR "$fr_path" "$fr_meta"; return
  fi
  read -r fr_mode fr_owner fr_group fr_mtime fr_size <<EOF
$fr_meta
EOF
  if [ "$fr_size" -gt 4194304 ]; then text ERROR "$fr_path" "larger than 4 MiB ($fr_size bytes), not read"; return; fi
  # 2>&1 before < so that a failing redirection (permission denied) is captured too.
  if fr_data=$(base64 2>&1 < "$fr_path"); then
    text META "$fr_path" "$fr_mode $fr_owner $fr_group $fr_mtime $fr_size"
    rec CONTENT "$fr_path" "$(printf '%s' "$fr_data" | tr -d '\n')"
  else
    text ERROR "$fr_path" "$fr_data"
  fi
}

# A --config-dir: every non-directory entry (the kubelet walks it recursively), then each *.conf.
dir_record() {
  dr_path=$1
  if [ ! -e "$dr_path" ]; then rec NODIR "$dr_path" ''; return; fi
  if [ ! -d "$dr_path" ]; then text ERROR "$dr_path" 'not a directory'; return; fi
  rec DIR "$dr_path" "$(find "$dr_path" -mindepth 1 ! -type d -print0 2>/dev/null | b64)"
  find "$dr_path" -mindepth 1 -name '*.conf' ! -type d -print 2>/dev/null | while IFS= read -r dr_file; do
    file_record "$dr_file"
  done
}
`;

/**
 * Round trip 1: systemd's view of kubelet.service, the running process, and the unit files and
 * environment files systemd has loaded.
 */
export const PROBE_SCRIPT = String.raw`${COMMON}
unit=kubelet.service
# Not every kubelet runs as kubelet.service (snap packages: snap.kubelet-eks.daemon.service):
# when that unit is unknown, ask a running kubelet process which unit's cgroup it is in.
if [ "$(systemctl show "$unit" -p LoadState 2>/dev/null)" = LoadState=not-found ]; then
  set +f # the one glob in these scripts: the process directories
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = kubelet ] || continue
    found=$(sed -n 's#^[0-9]*:[^:]*:.*/\([^/]*\.service\)$#\1#p' "$d/cgroup" 2>/dev/null | head -n 1)
    if [ -n "$found" ]; then unit=$found; break; fi
  done
  set -f
fi
text VERSION '' "$(systemctl --version 2>&1)"
show=$(systemctl show "$unit" -p Id -p LoadState -p ActiveState -p SubState -p FragmentPath \
  -p DropInPaths -p MainPID -p NRestarts -p NeedDaemonReload -p Environment -p EnvironmentFiles \
  -p ExecMainStartTimestamp -p ExecStart 2>&1)
text SHOW_RC '' "$?"
text SHOW '' "$show"
text NOW '' "$(date +%s)"
text BTIME '' "$(sed -n 's/^btime //p' /proc/stat)"
text CLK_TCK '' "$(getconf CLK_TCK 2>/dev/null)"

pid=$(printf '%s\n' "$show" | sed -n 's/^MainPID=//p')
case $pid in
  ''|0|*[!0-9]*) ;;
  *)
    if cmdline=$(b64 < "/proc/$pid/cmdline" 2>/dev/null); then rec CMDLINE "/proc/$pid/cmdline" "$cmdline"; fi
    if stat_line=$(cat "/proc/$pid/stat" 2>/dev/null); then text PROCSTAT "/proc/$pid/stat" "$stat_line"; fi
    ;;
esac

printf '%s\n' "$show" | sed -n 's/^FragmentPath=//p' | while IFS= read -r f; do
  [ -n "$f" ] && file_record "$f"
done
# DropInPaths is one space-separated line; drop-in paths do not contain spaces.
for f in $(printf '%s\n' "$show" | sed -n 's/^DropInPaths=//p'); do file_record "$f"; done
printf '%s\n' "$show" | sed -n 's/^EnvironmentFiles=\(.*\) (ignore_errors=[a-z]*)$/\1/p' | while IFS= read -r f; do
  file_record "$f"
done
`;

/**
 * Round trip 2: the files and directories named as arguments, `f PATH` or `d PATH` pairs
 * (sh -s -- f /etc/default/kubelet d /etc/kubernetes/kubelet.conf.d ...).
 */
export const READ_FILES_SCRIPT = String.raw`${COMMON}
while [ "$#" -ge 2 ]; do
  case $1 in
    f) file_record "$2" ;;
    d) dir_record "$2" ;;
  esac
  shift 2
done
`;
