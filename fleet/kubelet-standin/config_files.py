"""Loading --config and --config-dir the way the kubelet's codec and file loader do.

The codec sniffs the bytes: a document starting with `{` goes to the JSON serializer (syntax
errors are encoding/json's), anything else to the YAML serializer (sigs.k8s.io/yaml →
`error converting YAML to JSON: yaml: line N: ...`). apiVersion/kind are read first; only
kubelet.config.k8s.io/v1beta1 KubeletConfiguration is registered. Unknown or duplicate fields
fail strict decoding and the kubelet retries leniently, logging that it did.
"""
import os

import gojson
import goyaml
import kubelet_config as kc
from gostr import GoError, go_os_error, go_quote

GROUP = "kubelet.config.k8s.io"
VERSION = "v1beta1"
KIND = "KubeletConfiguration"
SCHEME = "pkg/kubelet/apis/config/scheme/scheme.go:33"

_FIND_KIND_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'


class ConfigError(Exception):
    pass


def _to_tree(data):
    """Returns (tree, yaml_strict_errors). The JSON serializer is used when the data starts with '{'."""
    if data.lstrip(b" \t\r\n\v\f").startswith(b"{"):
        try:
            return gojson.parse(data), None
        except GoError as e:
            raise GoError("couldn't get version/kind; json parse error: %s" % e)
    try:
        tree, dups = goyaml.to_json_tree(data)
    except GoError as e:
        text = str(e)
        raise GoError(text if text.startswith("error converting YAML to JSON") else "error converting YAML to JSON: " + text)
    strict = None
    if dups:
        strict = "error converting YAML to JSON: yaml: unmarshal errors:\n  " + "\n  ".join(dups)
    return tree, strict


def _interpret(tree):
    """SimpleMetaFactory.Interpret: apiVersion and kind, matched case-insensitively like encoding/json."""
    if tree is None:
        return "", ""
    if not isinstance(tree, gojson.JObj):
        raise GoError("couldn't get version/kind; json parse error: json: cannot unmarshal %s into Go value of type %s"
                      % (gojson.kind_of(tree), _FIND_KIND_TYPE))
    api_version, kind = "", ""
    for key, value in tree.pairs:
        low = key.lower()
        if low not in ("apiversion", "kind"):
            continue
        field = "apiVersion" if low == "apiversion" else "kind"
        if value is None:
            continue
        if not isinstance(value, str):
            raise GoError("couldn't get version/kind; json parse error: json: cannot unmarshal %s into Go struct field .%s of type string"
                          % (gojson.kind_of(value), field))
        if field == "apiVersion":
            api_version = value
        else:
            kind = value
    return api_version, kind


def _group_version(api_version):
    if api_version == "":
        return "", ""
    if api_version.count("/") == 0:
        return "", api_version
    if api_version.count("/") == 1:
        return tuple(api_version.split("/"))
    raise GoError("unexpected GroupVersion string: %s" % api_version)


def decode(data, on_lenient):
    """DecodeKubeletConfiguration: bytes → defaulted config; errors are the codec's texts."""
    try:
        tree, yaml_strict = _to_tree(data)
        api_version, kind = _interpret(tree)
        group, version = _group_version(api_version)
        original = data.decode("utf-8", "surrogateescape")
        if kind == "":
            raise GoError("Object 'Kind' is missing in '%s'" % original)
        if version == "":
            raise GoError("Object 'apiVersion' is missing in '%s'" % original)
        if (group, version) != (GROUP, VERSION) or kind != KIND:
            gv = "%s/%s" % (group, version) if group else version
            raise GoError("no kind %s is registered for version %s in scheme %s" % (go_quote(kind), go_quote(gv), go_quote(SCHEME)))
        config = kc.empty_config()
        result = kc.DecodeResult()
        kc.decode_into(tree, config, result)
        if result.type_error is not None:
            raise result.type_error
    except GoError as e:
        raise ConfigError("failed to decode: %s" % e)
    # the internal object carries no TypeMeta, so neither does /configz
    config["apiVersion"] = config["kind"] = ""
    strict = ([yaml_strict] if yaml_strict else []) + result.strict
    if strict:
        on_lenient("strict decoding error: " + ", ".join(strict))
    kc.set_defaults(config)
    return config


def _read(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except IsADirectoryError:
        raise ConfigError("failed to read %s %s, error: read %s: is a directory" % (what, go_quote(path), path))
    except OSError as e:
        raise ConfigError("failed to read %s %s, error: %s" % (what, go_quote(path), go_os_error("open", path, e)))


def load_config_file(name, on_lenient):
    """loadConfigFile + fsLoader.Load. Errors read `failed to load Kubelet config file NAME, error ...`."""
    errfmt = "failed to load Kubelet config file %s, error %s"
    path = os.path.abspath(name)
    try:
        data = _read(path, "kubelet config file")
        if len(data) == 0:
            raise ConfigError("kubelet config file %s was empty" % go_quote(path))
        config = decode(data, on_lenient)
    except ConfigError as e:
        raise ConfigError(errfmt % (name, e))
    _resolve_relative_paths(config, os.path.dirname(path))
    if config["evictionHard"] is None:
        config["evictionHard"] = dict(kc.DEFAULT_EVICTION_HARD)
    return config


def _resolve_relative_paths(config, base):
    # KubeletConfigurationPathRefs: relative paths are relative to the config file's directory
    def fix(p):
        return p if p == "" or os.path.isabs(p) else os.path.join(base, p)

    config["staticPodPath"] = fix(config["staticPodPath"])
    config["authentication"]["x509"]["clientCAFile"] = fix(config["authentication"]["x509"]["clientCAFile"])
    config["tlsCertFile"] = fix(config["tlsCertFile"])
    config["tlsPrivateKeyFile"] = fix(config["tlsPrivateKeyFile"])
    if config["resolvConf"]:
        config["resolvConf"] = fix(config["resolvConf"])


def _dropin_files(root):
    """filepath.WalkDir order: lexical per directory, depth first; only *.conf files."""
    try:
        os.lstat(root)
    except OSError as e:
        raise ConfigError(go_os_error("lstat", root, e))
    out = []

    def walk(d):
        try:
            names = sorted(os.listdir(d), key=lambda n: n.encode("utf-8", "surrogateescape"))
        except OSError as e:
            raise ConfigError(go_os_error("open", d, e))
        for n in names:
            p = os.path.join(d, n)
            if os.path.isdir(p) and not os.path.islink(p):
                walk(p)
            elif _ext(n) == ".conf":
                out.append(p)

    if os.path.isdir(root):
        walk(root)
    elif _ext(os.path.basename(root)) == ".conf":
        out.append(root)
    return out


def _ext(name):
    # filepath.Ext: from the last dot, so ".conf" itself counts
    i = name.rfind(".")
    return name[i:] if i >= 0 else ""


def _load_dropin(path):
    data = _read(os.path.abspath(path), "drop-in kubelet config file")
    if len(data) == 0:
        raise ConfigError("kubelet config file %s was empty" % go_quote(os.path.abspath(path)))
    try:
        tree, _ = _to_tree(data)
        api_version, kind = _interpret(tree)
        group, version = _group_version(api_version)
    except GoError as e:
        raise ConfigError(str(e))
    return tree, api_version, kind, group, version


def merge_dropins(config, directory):
    """mergeKubeletConfigurations: JSON merge-patch each *.conf over the config, then re-default."""
    merged = kc.to_json_value(config)
    try:
        for path in _dropin_files(directory):
            try:
                tree, api_version, kind, group, version = _load_dropin(path)
            except ConfigError as e:
                raise ConfigError("failed to load kubelet dropin file, path: %s, error: %s" % (path, e))
            if kind == "" and api_version == "":
                raise ConfigError("failed to load kubelet dropin file, path: %s, no apiVersion/kind" % path)
            if (group, version, kind) != (GROUP, VERSION, KIND):
                gvk = "%s/%s, Kind=%s" % (group, version, kind) if group else "/%s, Kind=%s" % (version, kind)
                raise ConfigError("failed to load kubelet dropin file, path: %s, unknown apiVersion/kind: %s" % (path, gvk))
            merged = kc.merge_patch(merged, kc.tree_to_plain(tree))
    except ConfigError as e:
        raise ConfigError("failed to merge kubelet configs: failed to walk through kubelet dropin directory %s: %s"
                          % (go_quote(directory), e))
    merged.pop("apiVersion", None)
    merged.pop("kind", None)
    new = kc.empty_config()
    result = kc.DecodeResult()
    try:
        kc.decode_into(kc.plain_to_tree(merged), new, result)
        if result.type_error is not None:
            raise result.type_error
    except GoError as e:
        raise ConfigError("failed to merge kubelet configs: failed to unmarshal merged JSON into kubelet configuration: %s" % e)
    kc.set_defaults(new)
    if new["evictionHard"] is None:
        new["evictionHard"] = dict(kc.DEFAULT_EVICTION_HARD)
    return new
