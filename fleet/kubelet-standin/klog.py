"""klog text output exactly as the kubelet writes it to stderr (and so to the journal).

Header: `I1204 15:41:36.701503     433 flags.go:64] `; structured lines quote values like
klog's KV formatter: strconv.Quote for one-line strings, a `<` block for multi-line ones.
"""
import datetime
import os
import sys

from gostr import go_quote

# The launcher is the kubelet's MainPID; this python runs as its child, and the real kubelet
# prints its own PID, so the header carries the parent's.
_PID = os.getppid()


def _write(text):
    data = text.encode("utf-8", "replace")
    while data:
        n = os.write(sys.stderr.fileno(), data)
        data = data[n:]


def raw(line):
    """A line printed without klog header (pflag's deprecation warnings, usage text)."""
    _write(line + "\n")


def _header(severity, where):
    now = datetime.datetime.now()
    return "%s%s %s.%06d %7d %s] " % (
        severity, now.strftime("%m%d"), now.strftime("%H:%M:%S"), now.microsecond, _PID, where)


def format_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "<nil>"
    return _string_value(str(value))


def _string_value(s):
    if "\n" not in s:
        return go_quote(s)
    # klog renders multi-line values as an indented block so each line stays readable.
    out = "<\n"
    lines = s.split("\n")
    for line in lines[:-1]:
        out += "\t" + line + "\n"
    if lines[-1] == "":
        return out + " >"
    return out + "\t" + lines[-1] + "\n >"


def info_s(where, msg, *kv):
    _write(_header("I", where) + go_quote(msg) + _kv(kv) + "\n")


def error_s(where, err, msg, *kv):
    _write(_header("E", where) + go_quote(msg) + " err=" + format_value(err) + _kv(kv) + "\n")


def info_f(where, text):
    _write(_header("I", where) + text + "\n")


def _kv(kv):
    return "".join(" %s=%s" % (kv[i], format_value(kv[i + 1])) for i in range(0, len(kv), 2))
