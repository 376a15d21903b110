"""Go's strconv and time parsing/printing, message for message.

The kubelet's error texts embed these (e.g. `strconv.ParseInt: parsing "x": invalid syntax`,
`time: invalid duration "5 m"`, durations printed as `2m0s`), so they must match Go exactly.
"""
import errno as _errno
import os
import re
from decimal import Decimal


class GoError(Exception):
    """An error whose str() is the exact Go error text."""


def go_quote(s):
    """strconv.Quote."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        elif 0xDC80 <= o <= 0xDCFF:  # an undecodable byte kept by surrogateescape
            out.append("\\x%02x" % (o - 0xDC00))
        elif ch != " " and not ch.isprintable():
            out.append("\\u%04x" % o if o < 0x10000 else "\\U%08x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_os_error(op, path, exc):
    """The text of Go's *PathError for a failed file operation, e.g. `open /x: no such file or directory`."""
    code = getattr(exc, "errno", None)
    text = os.strerror(code) if code else str(exc)
    if code == _errno.ENOENT:
        text = "no such file or directory"
    return "%s %s: %s" % (op, path, text[:1].lower() + text[1:])


# --- strconv -------------------------------------------------------------------------------

def _num_error(fn, s, why):
    return GoError("strconv.%s: parsing %s: %s" % (fn, go_quote(s), why))


def _underscore_ok(s):
    saw = "^"
    i = 0
    if s[:1] in ("-", "+"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in ("b", "o", "x"):
        i = 2
        saw = "0"
        hexa = s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if "0" <= c <= "9" or (hexa and "a" <= c.lower() <= "f"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def parse_uint(s, base, bits, fn="ParseUint"):
    """strconv.ParseUint; base 0 means Go-syntax prefixes (0x, 0o, 0b, leading 0 = octal)."""
    if s == "":
        raise _num_error(fn, s, "invalid syntax")
    orig = s
    base0 = base == 0
    if base0:
        base = 10
        if s[0] == "0":
            if len(s) >= 3 and s[1].lower() == "b":
                base, s = 2, s[2:]
            elif len(s) >= 3 and s[1].lower() == "o":
                base, s = 8, s[2:]
            elif len(s) >= 3 and s[1].lower() == "x":
                base, s = 16, s[2:]
            else:
                base, s = 8, s[1:]
    n = 0
    underscores = False
    for c in s:
        if c == "_" and base0:
            underscores = True
            continue
        d = _digit(c)
        if d is None or d >= base:
            raise _num_error(fn, orig, "invalid syntax")
        n = n * base + d
    if underscores and not _underscore_ok(orig):
        raise _num_error(fn, orig, "invalid syntax")
    if n >= 1 << bits:
        raise _num_error(fn, orig, "value out of range")
    return n


def _digit(c):
    if "0" <= c <= "9":
        return ord(c) - 48
    if "a" <= c.lower() <= "z":
        return ord(c.lower()) - 87
    return None


def parse_int(s, base, bits):
    """strconv.ParseInt."""
    if s == "":
        raise _num_error("ParseInt", s, "invalid syntax")
    neg = False
    body = s
    if s[0] in "+-":
        neg = s[0] == "-"
        body = s[1:]
    try:
        un = parse_uint(body, base, bits, fn="ParseInt")
    except GoError as e:
        if "value out of range" in str(e):
            raise _num_error("ParseInt", s, "value out of range")
        raise _num_error("ParseInt", s, "invalid syntax")
    cutoff = 1 << (bits - 1)
    if not neg and un >= cutoff:
        raise _num_error("ParseInt", s, "value out of range")
    if neg and un > cutoff:
        raise _num_error("ParseInt", s, "value out of range")
    return -un if neg else un


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_bool(s):
    """strconv.ParseBool."""
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise _num_error("ParseBool", s, "invalid syntax")


# --- time.Duration ---------------------------------------------------------------------------

_UNITS = {"ns": 1, "us": 1000, "\u00b5s": 1000, "\u03bcs": 1000, "ms": 10**6, "s": 10**9,
          "m": 60 * 10**9, "h": 3600 * 10**9}


class Duration(int):
    """A time.Duration (nanoseconds) that prints like Go: 2m0s, 100ms, 0s."""

    def __str__(self):
        return format_duration(self)

    __repr__ = __str__


def parse_duration(s):
    """time.ParseDuration."""
    orig = s
    invalid = GoError("time: invalid duration " + go_quote(orig))
    d = 0
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return Duration(0)
    if s == "":
        raise invalid
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            raise invalid
        m = re.match(r"[0-9]*", s)
        pre_digits = m.group(0)
        s = s[len(pre_digits):]
        v = int(pre_digits) if pre_digits else 0
        if v > (1 << 63):
            raise invalid
        post_digits = ""
        post = False
        if s[:1] == ".":
            s = s[1:]
            m = re.match(r"[0-9]*", s)
            post_digits = m.group(0)
            s = s[len(post_digits):]
            post = bool(post_digits)
        if not pre_digits and not post:
            raise invalid
        m = re.match(r"[^.0-9]*", s)
        u = m.group(0)
        if u == "":
            raise GoError("time: missing unit in duration " + go_quote(orig))
        s = s[len(u):]
        if u not in _UNITS:
            raise GoError("time: unknown unit " + go_quote(u) + " in duration " + go_quote(orig))
        unit = _UNITS[u]
        if v > (1 << 63) // unit:
            raise invalid
        v *= unit
        if post_digits:
            # Go keeps at most 18 fraction digits and scales in float64.
            f = int(post_digits[:18]) if post_digits else 0
            scale = 10 ** len(post_digits[:18])
            v += int(float(f) * (float(unit) / scale))
            if v > (1 << 63):
                raise invalid
        d += v
        if d > (1 << 63):
            raise invalid
    if neg:
        return Duration(-d)
    if d > (1 << 63) - 1:
        raise invalid
    return Duration(d)


def _frac(v, prec):
    digits = ""
    printing = False
    for _ in range(prec):
        digit = v % 10
        printing = printing or digit != 0
        if printing:
            digits = str(digit) + digits
        v //= 10
    return ("." + digits if printing else ""), v


def format_duration(d):
    """time.Duration.String."""
    d = int(d)
    if d == 0:
        return "0s"
    neg = d < 0
    u = -d if neg else d
    if u < 10**9:
        if u < 1000:
            unit, prec = "ns", 0
        elif u < 10**6:
            unit, prec = "\u00b5s", 3
        else:
            unit, prec = "ms", 6
        frac, whole = _frac(u, prec)
        out = "%d%s%s" % (whole, frac, unit)
    else:
        frac, secs = _frac(u, 9)
        out = "%d%ss" % (secs % 60, frac)
        mins = secs // 60
        if mins > 0:
            out = "%dm" % (mins % 60) + out
            hours = mins // 60
            if hours > 0:
                out = "%dh" % hours + out
    return "-" + out if neg else out


# --- floats as Go's encoding/json prints them -----------------------------------------------

def go_json_float(f):
    """How encoding/json writes a float64: shortest digits, exponent only when very small/large."""
    if f != f:
        raise GoError("json: unsupported value: NaN")
    if f in (float("inf"), float("-inf")):
        raise GoError("json: unsupported value: %sInf" % ("+" if f > 0 else "-"))
    d = Decimal(repr(float(f)))
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        mant, _, exp = ("%e" % d).partition("e")
        # shortest mantissa, as strconv's 'e' format with precision -1
        digits = d.normalize().as_tuple().digits
        mant = ("-" if f < 0 else "") + str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
        sign = "-" if exp.startswith("-") else "+"
        return "%se%s%s" % (mant, sign, exp.lstrip("+-").lstrip("0") or "0")
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s
