"""JSON the way Go's encoding/json reads and writes it.

`parse` first validates with a port of Go's scanner (so a broken file yields Go's exact
`invalid character ',' looking for beginning of object key string`), then builds a tree that
keeps key order, duplicate keys and number literals (Go range-checks the literal text).
`marshal` writes compact JSON with Go's escaping (<, >, & as \\u003c...).
"""
import json

from gostr import GoError, go_json_float, go_quote


class JObj:
    """A JSON object as an ordered list of (key, value) pairs; duplicates are kept."""

    def __init__(self, pairs):
        self.pairs = pairs


class JArr:
    def __init__(self, items):
        self.items = items


class JNum:
    """A number literal, kept as text."""

    def __init__(self, text):
        self.text = text


def kind_of(v):
    """The JSON kind as Go names it in UnmarshalTypeError.Value."""
    if isinstance(v, JObj):
        return "object"
    if isinstance(v, JArr):
        return "array"
    if isinstance(v, JNum):
        return "number"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, str):
        return "string"
    return "null"


# --- validation: a port of encoding/json's scanner ------------------------------------------------

def _quote_char(c):
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    q = go_quote(chr(c))
    return "'" + q[1:-1] + "'"


def check_valid(data):
    """Raises GoError with Go's SyntaxError text if `data` (bytes) is not valid JSON."""
    stack = []  # 'o' (object key), 'v' (object value), 'a' (array)
    state = "begin_value"
    i = 0
    n = len(data)

    def err(c, context):
        return GoError("invalid character %s %s" % (_quote_char(c), context))

    def end_value():
        if not stack:
            return "end_top"
        return "end_value"

    while i <= n:
        if i == n:
            # end of input
            if state == "end_top":
                return
            if state in ("in_num_1", "in_num_0", "in_dot0", "in_e0"):
                if not stack:
                    return
            raise GoError("unexpected end of JSON input")
        c = data[i]
        ws = c in (0x20, 0x09, 0x0A, 0x0D)
        if state in ("begin_value", "begin_value_or_empty"):
            if ws:
                i += 1
                continue
            if state == "begin_value_or_empty" and c == ord("]"):
                stack.pop()
                state = end_value()
                i += 1
                continue
            if c == ord("{"):
                stack.append("o")
                state = "begin_string_or_empty"
            elif c == ord("["):
                stack.append("a")
                state = "begin_value_or_empty"
            elif c == ord('"'):
                state = "in_string"
            elif c == ord("-"):
                state = "in_neg"
            elif c == ord("0"):
                state = "in_num_0"
            elif ord("1") <= c <= ord("9"):
                state = "in_num_1"
            elif c == ord("t"):
                state = ("lit", b"true", 1)
            elif c == ord("f"):
                state = ("lit", b"false", 1)
            elif c == ord("n"):
                state = ("lit", b"null", 1)
            else:
                raise err(c, "looking for beginning of value")
            if len(stack) > 10000:
                raise GoError("exceeded max depth")
            i += 1
            continue
        if state in ("begin_string_or_empty", "begin_string"):
            if ws:
                i += 1
                continue
            if state == "begin_string_or_empty" and c == ord("}"):
                stack.pop()
                state = end_value()
                i += 1
                continue
            if c == ord('"'):
                state = "in_string"
                i += 1
                continue
            raise err(c, "looking for beginning of object key string")
        if state == "end_value":
            if ws:
                i += 1
                continue
            top = stack[-1]
            if top == "o":
                if c == ord(":"):
                    stack[-1] = "v"
                    state = "begin_value"
                    i += 1
                    continue
                raise err(c, "after object key")
            if top == "v":
                if c == ord(","):
                    stack[-1] = "o"
                    state = "begin_string"
                    i += 1
                    continue
                if c == ord("}"):
                    stack.pop()
                    state = end_value()
                    i += 1
                    continue
                raise err(c, "after object key:value pair")
            if c == ord(","):
                state = "begin_value"
                i += 1
                continue
            if c == ord("]"):
                stack.pop()
                state = end_value()
                i += 1
                continue
            raise err(c, "after array element")
        if state == "end_top":
            if ws:
                i += 1
                continue
            raise err(c, "after top-level value")
        if state == "in_string":
            if c == ord('"'):
                state = end_value()
            elif c == ord("\\"):
                state = "in_esc"
            elif c < 0x20:
                raise err(c, "in string literal")
            i += 1
            continue
        if state == "in_esc":
            if c in b'bfnrt\\/"':
                state = "in_string"
            elif c == ord("u"):
                state = ("u", 0)
            else:
                raise err(c, "in string escape code")
            i += 1
            continue
        if isinstance(state, tuple) and state[0] == "u":
            if chr(c) in "0123456789abcdefABCDEF":
                state = "in_string" if state[1] == 3 else ("u", state[1] + 1)
                i += 1
                continue
            raise err(c, "in \\u hexadecimal character escape")
        if isinstance(state, tuple) and state[0] == "lit":
            word, pos = state[1], state[2]
            if c == word[pos]:
                state = end_value() if pos + 1 == len(word) else ("lit", word, pos + 1)
                i += 1
                continue
            raise err(c, "in literal %s (expecting %s)" % (word.decode(), _quote_char(word[pos])))
        if state == "in_neg":
            if c == ord("0"):
                state = "in_num_0"
            elif ord("1") <= c <= ord("9"):
                state = "in_num_1"
            else:
                raise err(c, "in numeric literal")
            i += 1
            continue
        if state == "in_num_1" and ord("0") <= c <= ord("9"):
            i += 1
            continue
        if state in ("in_num_1", "in_num_0"):
            if c == ord("."):
                state = "in_dot"
                i += 1
                continue
            if c in (ord("e"), ord("E")):
                state = "in_e"
                i += 1
                continue
            state = end_value()
            continue
        if state == "in_dot":
            if ord("0") <= c <= ord("9"):
                state = "in_dot0"
                i += 1
                continue
            raise err(c, "after decimal point in numeric literal")
        if state == "in_dot0":
            if ord("0") <= c <= ord("9"):
                i += 1
                continue
            if c in (ord("e"), ord("E")):
                state = "in_e"
                i += 1
                continue
            state = end_value()
            continue
        if state == "in_e":
            if c in (ord("+"), ord("-")):
                state = "in_esign"
                i += 1
                continue
            state = "in_esign"
            continue
        if state == "in_esign":
            if ord("0") <= c <= ord("9"):
                state = "in_e0"
                i += 1
                continue
            raise err(c, "in exponent of numeric literal")
        if state == "in_e0":
            if ord("0") <= c <= ord("9"):
                i += 1
                continue
            state = end_value()
            continue
        raise AssertionError("scanner state " + repr(state))


def parse(data):
    """Bytes → tree (JObj/JArr/JNum/str/bool/None); raises GoError with Go's message if invalid."""
    check_valid(data)
    text = data.decode("utf-8", "replace")
    return json.loads(text, object_pairs_hook=JObj, parse_int=JNum, parse_float=JNum,
                      parse_constant=lambda c: (_ for _ in ()).throw(GoError("invalid constant " + c)),
                      cls=_TreeDecoder)


class _TreeDecoder(json.JSONDecoder):
    def __init__(self, **kw):
        super().__init__(**kw)
        self._default_array = self.parse_array

        def parse_array(s_and_end, scan_once, _orig=self.parse_array):
            values, end = _orig(s_and_end, scan_once)
            return JArr(values), end

        self.parse_array = parse_array
        self.scan_once = json.scanner.py_make_scanner(self)


# --- marshal -------------------------------------------------------------------------------------

def go_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or ch in "<>&" or o in (0x2028, 0x2029):
            out.append("\\u%04x" % o)
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def marshal(v):
    """Compact JSON like json.Marshal; dicts are written in their insertion order."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        return go_json_float(v)
    if isinstance(v, str):
        return go_string(v)
    if isinstance(v, dict):
        return "{" + ",".join(go_string(str(k)) + ":" + marshal(x) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(marshal(x) for x in v) + "]"
    raise GoError("json: unsupported type")
