"""YAML as the kubelet reads it: sigs.k8s.io/yaml.YAMLToJSON over go-yaml v2.

PyYAML does the parsing; this module turns its results into what go-yaml v2 would give:
scalar resolution (yes/no/on/off and y/n are bools, timestamps stay strings, 1e3 is a float,
no sexagesimal), mapping keys sorted as Go's json.Marshal sorts map keys, and go-yaml's
error texts and line numbers (`yaml: line 7: did not find expected key`; parser errors
report the 0-based line of the offending token, scanner errors the 1-based line).
"""
import base64
import re

import yaml
from yaml.composer import ComposerError
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import ParserError
from yaml.reader import ReaderError
from yaml.scanner import ScannerError

from gojson import JArr, JNum, JObj
from gostr import GoError, go_json_float, go_quote, parse_int, parse_uint

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BINARY_TAG = "tag:yaml.org,2002:binary"

_NULLS = ("", "~", "null", "Null", "NULL")
_TRUES = ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE")
_FALSES = ("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE")
_INFS = (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")
_NEG_INFS = ("-.inf", "-.Inf", "-.INF")
_NANS = (".nan", ".NaN", ".NAN")
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


class _Loader(yaml.Loader):
    """Composes nodes only; resolution is done by go-yaml's rules in _resolve_plain."""


# Plain scalars keep PyYAML's default tag so _resolve_plain decides their type like go-yaml v2.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag == _MERGE_TAG]
    for k, v in yaml.Loader.yaml_implicit_resolvers.items()
}


def _resolve_plain(text):
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if text in _INFS:
        return float("inf")
    if text in _NEG_INFS:
        return float("-inf")
    if text in _NANS:
        return float("nan")
    plain = text.replace("_", "")
    if text[:1] in "+-0123456789.":
        try:
            return parse_int(plain, 0, 64)
        except GoError:
            pass
        try:
            return parse_uint(plain, 0, 64)
        except GoError:
            pass
        if _YAML_FLOAT.match(plain):
            return float(plain)
        for sign in ("", "-", "+"):
            if plain.startswith(sign + "0b"):
                try:
                    v = int(plain[len(sign) + 2:], 2)
                    return -v if sign == "-" else v
                except ValueError:
                    pass
    return text


class YamlError(GoError):
    pass


def _go_problem(exc):
    """Map a PyYAML error to libyaml's wording as go-yaml v2 reports it."""
    problem = exc.problem or ""
    context = exc.context or ""
    if problem.startswith("mapping values are not allowed"):
        return "mapping values are not allowed in this context"
    if "that cannot start any token" in problem:
        return "found character that cannot start any token"
    if problem.startswith("block sequence entries are not allowed"):
        return "block sequence entries are not allowed in this context"
    if problem.startswith("mapping keys are not allowed"):
        return "mapping keys are not allowed in this context"
    if problem.startswith("found unexpected document separator"):
        return "found unexpected document indicator"
    if problem.startswith("found unknown escape character"):
        return "found unknown escape character"
    if problem.startswith("expected escape sequence"):
        return "did not find expected hexdecimal number"
    if problem.startswith("found a tab character"):
        return "found a tab character that violates indentation"
    if problem.startswith("expected alphabetic or numeric character"):
        return "did not find expected alphabetic or numeric character"
    if problem.startswith("expected a comment or a line break"):
        return "did not find expected comment or line break"
    if problem.startswith("expected '<document start>'"):
        return "did not find expected <document start>"
    if problem.startswith("expected <block end>"):
        if "block mapping" in context:
            return "did not find expected key"
        return "did not find expected '-' indicator"
    if problem.startswith("expected ',' or ']'"):
        return "did not find expected ',' or ']'"
    if problem.startswith("expected ',' or '}'"):
        return "did not find expected ',' or '}'"
    if problem.startswith("expected the node content"):
        return "did not find expected node content"
    if problem.startswith("found undefined tag handle"):
        return "found undefined tag handle"
    return problem


def _yaml_error(exc):
    if isinstance(exc, ReaderError):
        return YamlError("yaml: control characters are not allowed")
    if isinstance(exc, ComposerError):
        if exc.problem and exc.problem.startswith("found undefined alias"):
            name = exc.problem.split("'")[1] if "'" in exc.problem else ""
            return YamlError("yaml: unknown anchor '%s' referenced" % name)
        return YamlError("yaml: " + (exc.problem or "unknown problem parsing YAML content"))
    scanner = isinstance(exc, ScannerError)
    pm = exc.problem_mark
    cm = exc.context_mark
    line = 0
    if pm is not None and pm.line != 0:
        line = pm.line + 1 if scanner else pm.line
    elif cm is not None and cm.line != 0:
        line = cm.line
    where = "line %d: " % line if line else ""
    return YamlError("yaml: %s%s" % (where, _go_problem(exc) or "unknown problem parsing YAML content"))


def compose(text):
    """The first document's node, or None for an empty stream (go-yaml reads only the first)."""
    try:
        loader = _Loader(text)
        try:
            if loader.check_node():
                return loader.get_node()
            return None
        finally:
            loader.dispose()
    except (ScannerError, ParserError, ComposerError, ReaderError) as e:
        raise _yaml_error(e)


def decode_text(data):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise YamlError("yaml: invalid leading UTF-8 octet")


def to_json_tree(data):
    """YAMLToJSON: bytes → (JSON tree, list of strict duplicate-key errors)."""
    node = compose(decode_text(data))
    dups = []
    return _convert(node, dups), dups


def _scalar(node):
    tag = node.tag
    if tag in (_STR_TAG, "!"):
        # PyYAML tags every plain scalar str here (its resolvers are disabled above)
        return _resolve_plain(node.value) if node.style is None and tag == _STR_TAG else node.value
    if tag == _INT_TAG:
        v = _resolve_plain(node.value)
        return v if isinstance(v, int) and not isinstance(v, bool) else node.value
    if tag == _FLOAT_TAG:
        v = _resolve_plain(node.value)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else node.value
    if tag == _BOOL_TAG:
        v = _resolve_plain(node.value)
        return v if isinstance(v, bool) else node.value
    if tag == _NULL_TAG:
        return None
    if tag == _BINARY_TAG:
        try:
            return base64.b64decode(node.value).decode("utf-8", "replace")
        except ValueError:
            return node.value
    return _resolve_plain(node.value) if node.style is None else node.value


def _json_value(v):
    if v is None or isinstance(v, (bool, str, JObj, JArr)):
        return v
    if isinstance(v, int):
        return JNum(str(v))
    if isinstance(v, float):
        try:
            return JNum(go_json_float(v))
        except GoError as e:
            raise YamlError("error converting YAML to JSON: %s" % e)
    return v


def _key_string(k):
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(k)
    if isinstance(k, float):
        s = repr(k)
        return {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}.get(s, s)
    raise YamlError("error converting YAML to JSON: Unsupported map key of type: %s" % type(k).__name__)


def _convert(node, dups, seen=None):
    if node is None:
        return None
    if isinstance(node, ScalarNode):
        return _json_value(_scalar(node))
    if isinstance(node, SequenceNode):
        return JArr([_convert(n, dups) for n in node.value])
    if isinstance(node, MappingNode):
        out = {}
        explicit = set()
        for knode, vnode in node.value:
            if knode.tag == _MERGE_TAG or (isinstance(knode, ScalarNode) and knode.value == "<<" and knode.style is None):
                for merged in _merge_sources(vnode):
                    for k, v in merged.pairs:
                        out[k] = v
                continue
            key = _scalar(knode) if isinstance(knode, ScalarNode) else None
            if not isinstance(knode, ScalarNode):
                raise YamlError("error converting YAML to JSON: Unsupported map key of type: map")
            if key is None:
                raise YamlError("error converting YAML to JSON: Unsupported map key of type: <nil>")
            skey = _key_string(key)
            if skey in explicit:
                dups.append("line %d: key %s already set in map" % (knode.start_mark.line + 1, _go_sharp_v(key)))
            explicit.add(skey)
            out[skey] = _convert(vnode, dups)
        # json.Marshal of a Go map writes keys sorted
        return JObj(sorted(out.items(), key=lambda kv: kv[0].encode("utf-8")))
    raise YamlError("yaml: unknown node")


def _merge_sources(vnode):
    if isinstance(vnode, MappingNode):
        return [_convert(vnode, [])]
    if isinstance(vnode, SequenceNode):
        # earlier entries take precedence, so apply them last
        return [_convert(n, []) for n in reversed(vnode.value) if isinstance(n, MappingNode)]
    raise YamlError("yaml: map merge requires map or sequence of maps as the value")


def _go_sharp_v(k):
    if isinstance(k, str):
        return go_quote(k)
    if isinstance(k, bool):
        return "true" if k else "false"
    return str(k)
