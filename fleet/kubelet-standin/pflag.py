"""spf13/pflag parsing as the kubelet uses it (ContinueOnError, interspersed, `_` normalised to `-`).

Each flag holds a Value with pflag's Set/String semantics: scalars replace, slices and maps
replace on the first Set and accumulate afterwards, bool-like flags take no separate argument.
"""
import csv
import io
import ipaddress
import re

from gostr import GoError, format_duration, go_quote, parse_bool, parse_duration, parse_int, parse_uint


class FlagError(Exception):
    """A parse failure; str() is pflag's message."""


# --- values ----------------------------------------------------------------------------------

class Value:
    no_opt_default = ""  # pflag NoOptDefVal: set for bool-like flags

    def __init__(self, value):
        self.value = value

    def string(self):
        return str(self.value)


class BoolValue(Value):
    no_opt_default = "true"

    def set(self, s):
        self.value = parse_bool(s)

    def string(self):
        return "true" if self.value else "false"


class GoFlagBoolValue(BoolValue):
    """A Go `flag` bool re-registered into pflag (cadvisor's): Go's flag package says only "parse error"."""

    def set(self, s):
        try:
            self.value = parse_bool(s)
        except GoError:
            raise GoError("parse error")


class StringValue(Value):
    def set(self, s):
        self.value = s


class IntValue(Value):
    def __init__(self, value, bits):
        super().__init__(value)
        self.bits = bits

    def set(self, s):
        self.value = parse_int(s, 0, self.bits)


class GoFlagIntValue(IntValue):
    def set(self, s):
        try:
            self.value = parse_int(s, 0, 64)
        except GoError as e:
            raise GoError("value out of range" if "out of range" in str(e) else "parse error")


class DurationValue(Value):
    def set(self, s):
        self.value = parse_duration(s)

    def string(self):
        return format_duration(self.value)


class GoFlagDurationValue(DurationValue):
    def set(self, s):
        try:
            self.value = parse_duration(s)
        except GoError:
            raise GoError("parse error")


class LevelValue(Value):
    """klog verbosity (-v): an unsigned number below 2^31."""

    def set(self, s):
        self.value = parse_uint(s, 10, 31)


class IPValue(Value):
    def set(self, s):
        if s == "":
            return  # IPVar ignores an empty value
        if not _is_ip(s):
            raise GoError("%s is not a valid IP address" % go_quote(s))
        self.value = s


def _is_ip(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        # netutils.ParseIPSloppy also accepts IPv4 with leading zeros
        parts = s.split(".")
        return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


class StringSliceValue(Value):
    def __init__(self, value):
        super().__init__(list(value) if value is not None else None)
        self.changed = False

    def set(self, s):
        items = _read_csv(s)
        if not self.changed:
            self.value = items
        else:
            self.value = (self.value or []) + items
        self.changed = True

    def string(self):
        return "[" + _write_csv(self.value or []) + "]"


def _read_csv(s):
    if s == "":
        return []
    try:
        return next(csv.reader(io.StringIO(s), strict=True))
    except (csv.Error, StopIteration) as e:
        raise GoError(str(e))


def _write_csv(items):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(items)
    return buf.getvalue()


class MapStringStringValue(Value):
    """cliflag.MapStringString (kube-reserved, system-reserved, eviction-minimum-reclaim...)."""

    def __init__(self, value, no_split=False, sep="="):
        super().__init__(dict(value) if value else {})
        self.initialized = False
        self.no_split = no_split
        self.sep = sep

    def set(self, s):
        if not self.initialized:
            self.value = {}
            self.initialized = True
        pieces = [s] if self.no_split else s.split(",")
        for piece in pieces:
            if not self.no_split:
                piece = piece.strip()
                if piece == "":
                    continue
            if self.sep not in piece:
                raise GoError("malformed pair, expect string%sstring" % self.sep)
            k, v = piece.split(self.sep, 1)
            self.value[k.strip()] = v.strip()

    def string(self):
        return ",".join("%s%s%s" % (k, self.sep, self.value[k]) for k in sorted(self.value))


class MapStringBoolValue(Value):
    """cliflag.MapStringBool (--feature-gates)."""

    def __init__(self, value):
        super().__init__(dict(value) if value else {})
        self.initialized = False

    def set(self, s):
        if not self.initialized:
            self.value = {}
            self.initialized = True
        for piece in s.split(","):
            piece = piece.strip()
            if piece == "":
                continue
            if "=" not in piece:
                raise GoError("malformed pair, expect string=bool")
            k, v = [x.strip() for x in piece.split("=", 1)]
            try:
                self.value[k] = parse_bool(v)
            except GoError as e:
                raise GoError("invalid value of %s=%s, err: %s" % (k, v, e))

    def string(self):
        return ",".join("%s=%s" % (k, "true" if self.value[k] else "false") for k in sorted(self.value))


class ColonMultimapValue(Value):
    """cliflag.ColonSeparatedMultimapStringString (--manifest-url-header)."""

    def __init__(self, value):
        super().__init__({k: list(v) for k, v in (value or {}).items()})
        self.initialized = False

    def set(self, s):
        if not self.initialized:
            self.value = {}
            self.initialized = True
        for piece in s.split(","):
            if piece.strip() == "":
                continue
            if ":" not in piece:
                raise GoError("malformed pair, expect string:string")
            k, v = piece.split(":", 1)
            self.value.setdefault(k.strip(), []).append(v.strip())

    def string(self):
        return ",".join("%s:%s" % (k, v) for k in sorted(self.value) for v in self.value[k])


class LabelsValue(Value):
    """cliflag.ConfigurationMap (--node-labels): accumulates, a bare key gets an empty value."""

    def set(self, s):
        for piece in s.split(","):
            if piece == "":
                continue
            k, _, v = piece.partition("=")
            self.value[k.strip()] = v.strip()

    def string(self):
        return ",".join("%s=%s" % (k, self.value[k]) for k in sorted(self.value))


TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


class TaintsValue(Value):
    """utilflag.RegisterWithTaintsVar: `key=value:effect,...`, replaced on every Set."""

    def set(self, s):
        if s == "":
            self.value = None
            return
        taints = []
        for spec in s.split(","):
            if ":" not in spec:
                raise GoError("invalid taint spec: %s" % spec)
            kv, effect = spec.rsplit(":", 1)
            if effect not in TAINT_EFFECTS:
                raise GoError("invalid taint spec: %s, unsupported taint effect" % spec)
            key, _, value = kv.partition("=")
            if key == "":
                raise GoError("invalid taint spec: %s" % spec)
            taint = {"key": key, "effect": effect}
            if value:
                taint["value"] = value
            taints.append(taint)
        self.value = taints

    def string(self):
        return ",".join(
            "%s%s:%s" % (t["key"], "=" + t["value"] if t.get("value") else "", t["effect"]) for t in (self.value or []))


class ReservedMemoryValue(Value):
    """utilflag.ReservedMemoryVar: `0:memory=1Gi,hugepages-1M=2Gi`, accumulating per NUMA node."""

    def __init__(self, value):
        super().__init__(list(value or []))
        self.initialized = False

    def set(self, s):
        if not self.initialized:
            self.value = []
            self.initialized = True
        if s == "":
            return
        numa, sep, limits = s.partition(":")
        if not sep:
            raise GoError("the reserved memory has incorrect format, expected numaNodeID:type=quantity[,type=quantity...], got %s" % s)
        try:
            node = int(numa.strip())
        except ValueError:
            raise GoError("failed to parse the NUMA node ID: %s" % numa)
        parsed = {}
        for piece in limits.split(","):
            k, eq, v = piece.partition("=")
            if not eq:
                raise GoError("the reserved limit has incorrect value, expected type=quantity, got %s" % piece)
            parsed[k.strip()] = v.strip()
        self.value.append({"numaNode": node, "limits": parsed})

    def string(self):
        return ",".join(
            "%d:%s" % (r["numaNode"], ",".join("%s=%s" % (k, r["limits"][k]) for k in sorted(r["limits"])))
            for r in self.value)


class VModuleValue(Value):
    def set(self, s):
        items = []
        for piece in s.split(","):
            if piece == "":
                continue
            pattern, eq, level = piece.partition("=")
            if not eq:
                raise GoError("%s is not in the 'pattern=N' format" % go_quote(piece))
            try:
                items.append({"filePattern": pattern, "verbosity": parse_uint(level, 10, 31)})
            except GoError:
                raise GoError("%s is not in the 'pattern=N' format" % go_quote(piece))
        self.value = items

    def string(self):
        return ",".join("%s=%d" % (i["filePattern"], i["verbosity"]) for i in (self.value or []))


_QUANTITY = r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"


class QuantityValue(Value):
    def set(self, s):
        if not re.match(_QUANTITY, s.strip()):
            raise GoError("quantities must match the regular expression '%s'" % _QUANTITY)
        self.value = s.strip()


class VersionValue(Value):
    """verflag's --version: bool-like, or `raw`."""
    no_opt_default = "true"

    def set(self, s):
        if s == "raw":
            self.value = "raw"
            return
        self.value = "true" if parse_bool(s) else "false"


# --- flag set ----------------------------------------------------------------------------------

class Flag:
    def __init__(self, name, value, shorthand="", deprecated="", target=None):
        self.name = name
        self.value = value
        self.shorthand = shorthand
        self.deprecated = deprecated
        self.target = target  # where a KubeletConfiguration-backed flag lands, e.g. ("authorization", "mode")
        self.changed = False


def normalize(name):
    # cliflag.WordSepNormalizeFunc
    return name.replace("_", "-")


class FlagSet:
    def __init__(self, flags, on_deprecated=None):
        self.formal = {f.name: f for f in flags}
        self.shorthands = {f.shorthand: f for f in flags if f.shorthand}
        self.args = []
        self.on_deprecated = on_deprecated or (lambda line: None)

    def sorted_flags(self):
        return [self.formal[n] for n in sorted(self.formal)]

    def set(self, flag, value):
        try:
            flag.value.set(value)
        except GoError as e:
            name = "-%s, --%s" % (flag.shorthand, flag.name) if flag.shorthand else "--" + flag.name
            raise FlagError("invalid argument %s for %s flag: %s" % (go_quote(value), go_quote(name), e))
        flag.changed = True
        if flag.deprecated:
            self.on_deprecated("Flag --%s has been deprecated, %s" % (flag.name, flag.deprecated))

    def parse(self, args, on_set=None):
        """Parses like pflag.FlagSet.Parse; on_set(flag, value) sees every successful Set in order."""
        on_set = on_set or (lambda f, v: None)
        args = list(args)
        while args:
            s = args.pop(0)
            if len(s) == 0 or s[0] != "-" or len(s) == 1:
                self.args.append(s)
                continue
            if s[1] == "-":
                if len(s) == 2:
                    self.args.extend(args)
                    return
                args = self._parse_long(s, args, on_set)
            else:
                args = self._parse_short(s, args, on_set)

    def _parse_long(self, s, args, on_set):
        name = s[2:]
        if len(name) == 0 or name[0] in "-=":
            raise FlagError("bad flag syntax: %s" % s)
        name, has_value, value = name.partition("=")
        flag = self.formal.get(normalize(name))
        if flag is None:
            raise FlagError("unknown flag: --%s" % name)
        if has_value:
            pass
        elif flag.value.no_opt_default:
            value = flag.value.no_opt_default
        elif args:
            value = args.pop(0)
        else:
            raise FlagError("flag needs an argument: %s" % s)
        self.set(flag, value)
        on_set(flag, value)
        return args

    def _parse_short(self, s, args, on_set):
        shorthands = s[1:]
        while shorthands:
            c = shorthands[0]
            rest = shorthands[1:]
            flag = self.shorthands.get(c)
            if flag is None:
                raise FlagError("unknown shorthand flag: %s in -%s" % (_go_char(c), shorthands))
            if len(shorthands) > 2 and shorthands[1] == "=":
                value, rest = shorthands[2:], ""
            elif flag.value.no_opt_default:
                value = flag.value.no_opt_default
            elif len(shorthands) > 1:
                value, rest = shorthands[1:], ""
            elif args:
                value = args.pop(0)
            else:
                raise FlagError("flag needs an argument: %s in -%s" % (_go_char(c), shorthands))
            self.set(flag, value)
            on_set(flag, value)
            shorthands = rest
        return args


def _go_char(c):
    # Go's %q of a byte
    if c == "'":
        return "'\\''"
    q = go_quote(c)
    return "'" + q[1:-1].replace('\\"', '"') + "'"

