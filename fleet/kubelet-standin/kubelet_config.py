"""KubeletConfiguration (kubelet.config.k8s.io/v1beta1, as in Kubernetes 1.29).

A config is a dict keyed by the v1beta1 JSON names, every field present: pointer fields are
None when nil, value fields hold their Go zero value until set. Decoding follows
sigs.k8s.io/json (case-sensitive names, unknown/duplicate fields collected as strict errors,
the first type mismatch fatal with Go's exact message), defaulting follows
SetDefaults_KubeletConfiguration, and marshalling follows encoding/json with the struct's
field order and omitempty rules, which is what /configz serves.
"""
import copy
import re

from gojson import JArr, JNum, JObj, kind_of
from gostr import Duration, GoError, go_json_float, go_quote, parse_duration


# --- schema ----------------------------------------------------------------------------------

class Scalar:
    def __init__(self, kind, goname, bits=0, signed=True):
        self.kind = kind  # string | bool | int | float | duration | tod | quantity | any
        self.goname = goname
        self.bits = bits
        self.signed = signed


class Map:
    def __init__(self, elem, goname):
        self.elem = elem
        self.goname = goname


class Slice:
    def __init__(self, elem, goname):
        self.elem = elem
        self.goname = goname


class Struct:
    def __init__(self, goname, fields):
        self.goname = goname  # e.g. v1beta1.KubeletAuthentication
        self.name = goname.split(".")[-1]
        self.fields = fields
        self.by_name = {f.name: f for f in fields}


class Field:
    def __init__(self, name, typ, omitempty=True, ptr=False):
        self.name = name
        self.typ = typ
        self.omitempty = omitempty
        self.ptr = ptr


STRING = Scalar("string", "string")
BOOL = Scalar("bool", "bool")
INT32 = Scalar("int", "int32", 32)
INT64 = Scalar("int", "int64", 64)
FLOAT64 = Scalar("float", "float64")
DURATION = Scalar("duration", "v1.Duration")
QUANTITY = Scalar("quantity", "resource.QuantityValue")


def named_string(goname):
    return Scalar("string", goname)


TAINT = Struct("v1.Taint", [
    Field("key", STRING, omitempty=False),
    Field("value", STRING),
    Field("effect", named_string("v1.TaintEffect"), omitempty=False),
    Field("timeAdded", Scalar("string", "v1.Time"), ptr=True),
])

OUTPUT_OPTIONS = [Field("splitStream", BOOL), Field("infoBufferSize", QUANTITY)]

LOGGING = Struct("v1.LoggingConfiguration", [
    Field("format", STRING),
    Field("flushFrequency", Scalar("tod", "v1.TimeOrMetaDuration"), omitempty=False),
    Field("verbosity", Scalar("int", "v1.VerbosityLevel", 32, signed=False), omitempty=False),
    Field("vmodule", Slice(Struct("v1.VModuleItem", [
        Field("filePattern", STRING, omitempty=False),
        Field("verbosity", Scalar("int", "v1.VerbosityLevel", 32, signed=False), omitempty=False),
    ]), "v1.VModuleConfiguration")),
    Field("options", Struct("v1.FormatOptions", [
        Field("text", Struct("v1.TextOptions", OUTPUT_OPTIONS)),
        Field("json", Struct("v1.JSONOptions", OUTPUT_OPTIONS)),
    ])),
])

MAP_STRING = Map(STRING, "map[string]string")

KUBELET_CONFIGURATION = Struct("v1beta1.KubeletConfiguration", [
    Field("kind", STRING),
    Field("apiVersion", STRING),
    Field("enableServer", BOOL, ptr=True),
    Field("staticPodPath", STRING),
    Field("syncFrequency", DURATION),
    Field("fileCheckFrequency", DURATION),
    Field("httpCheckFrequency", DURATION),
    Field("staticPodURL", STRING),
    Field("staticPodURLHeader", Map(Slice(STRING, "[]string"), "map[string][]string")),
    Field("address", STRING),
    Field("port", INT32),
    Field("readOnlyPort", INT32),
    Field("tlsCertFile", STRING),
    Field("tlsPrivateKeyFile", STRING),
    Field("tlsCipherSuites", Slice(STRING, "[]string")),
    Field("tlsMinVersion", STRING),
    Field("rotateCertificates", BOOL),
    Field("serverTLSBootstrap", BOOL),
    Field("authentication", Struct("v1beta1.KubeletAuthentication", [
        Field("x509", Struct("v1beta1.KubeletX509Authentication", [Field("clientCAFile", STRING)]), omitempty=False),
        Field("webhook", Struct("v1beta1.KubeletWebhookAuthentication", [
            Field("enabled", BOOL, ptr=True),
            Field("cacheTTL", DURATION),
        ]), omitempty=False),
        Field("anonymous", Struct("v1beta1.KubeletAnonymousAuthentication", [
            Field("enabled", BOOL, ptr=True),
        ]), omitempty=False),
    ]), omitempty=False),
    Field("authorization", Struct("v1beta1.KubeletAuthorization", [
        Field("mode", named_string("v1beta1.KubeletAuthorizationMode")),
        Field("webhook", Struct("v1beta1.KubeletWebhookAuthorization", [
            Field("cacheAuthorizedTTL", DURATION),
            Field("cacheUnauthorizedTTL", DURATION),
        ]), omitempty=False),
    ]), omitempty=False),
    Field("registryPullQPS", INT32, ptr=True),
    Field("registryBurst", INT32),
    Field("eventRecordQPS", INT32, ptr=True),
    Field("eventBurst", INT32),
    Field("enableDebuggingHandlers", BOOL, ptr=True),
    Field("enableContentionProfiling", BOOL),
    Field("healthzPort", INT32, ptr=True),
    Field("healthzBindAddress", STRING),
    Field("oomScoreAdj", INT32, ptr=True),
    Field("clusterDomain", STRING),
    Field("clusterDNS", Slice(STRING, "[]string")),
    Field("streamingConnectionIdleTimeout", DURATION),
    Field("nodeStatusUpdateFrequency", DURATION),
    Field("nodeStatusReportFrequency", DURATION),
    Field("nodeLeaseDurationSeconds", INT32),
    Field("imageMinimumGCAge", DURATION),
    Field("imageMaximumGCAge", DURATION),
    Field("imageGCHighThresholdPercent", INT32, ptr=True),
    Field("imageGCLowThresholdPercent", INT32, ptr=True),
    Field("volumeStatsAggPeriod", DURATION),
    Field("kubeletCgroups", STRING),
    Field("systemCgroups", STRING),
    Field("cgroupRoot", STRING),
    Field("cgroupsPerQOS", BOOL, ptr=True),
    Field("cgroupDriver", STRING),
    Field("cpuManagerPolicy", STRING),
    Field("cpuManagerPolicyOptions", MAP_STRING),
    Field("cpuManagerReconcilePeriod", DURATION),
    Field("memoryManagerPolicy", STRING),
    Field("topologyManagerPolicy", STRING),
    Field("topologyManagerScope", STRING),
    Field("topologyManagerPolicyOptions", MAP_STRING),
    Field("qosReserved", MAP_STRING),
    Field("runtimeRequestTimeout", DURATION),
    Field("hairpinMode", STRING),
    Field("maxPods", INT32),
    Field("podCIDR", STRING),
    Field("podPidsLimit", INT64, ptr=True),
    Field("resolvConf", STRING, ptr=True),
    Field("runOnce", BOOL),
    Field("cpuCFSQuota", BOOL, ptr=True),
    Field("cpuCFSQuotaPeriod", DURATION, ptr=True),
    Field("nodeStatusMaxImages", INT32, ptr=True),
    Field("maxOpenFiles", INT64),
    Field("contentType", STRING),
    Field("kubeAPIQPS", INT32, ptr=True),
    Field("kubeAPIBurst", INT32),
    Field("serializeImagePulls", BOOL, ptr=True),
    Field("maxParallelImagePulls", INT32, ptr=True),
    Field("evictionHard", MAP_STRING),
    Field("evictionSoft", MAP_STRING),
    Field("evictionSoftGracePeriod", MAP_STRING),
    Field("evictionPressureTransitionPeriod", DURATION),
    Field("evictionMaxPodGracePeriod", INT32),
    Field("evictionMinimumReclaim", MAP_STRING),
    Field("podsPerCore", INT32),
    Field("enableControllerAttachDetach", BOOL, ptr=True),
    Field("protectKernelDefaults", BOOL),
    Field("makeIPTablesUtilChains", BOOL, ptr=True),
    Field("iptablesMasqueradeBit", INT32, ptr=True),
    Field("iptablesDropBit", INT32, ptr=True),
    Field("featureGates", Map(BOOL, "map[string]bool")),
    Field("failSwapOn", BOOL, ptr=True),
    Field("memorySwap", Struct("v1beta1.MemorySwapConfiguration", [Field("swapBehavior", STRING)])),
    Field("containerLogMaxSize", STRING),
    Field("containerLogMaxFiles", INT32, ptr=True),
    Field("configMapAndSecretChangeDetectionStrategy", named_string("v1beta1.ResourceChangeDetectionStrategy")),
    Field("systemReserved", MAP_STRING),
    Field("kubeReserved", MAP_STRING),
    Field("reservedSystemCPUs", STRING),
    Field("showHiddenMetricsForVersion", STRING),
    Field("systemReservedCgroup", STRING),
    Field("kubeReservedCgroup", STRING),
    Field("enforceNodeAllocatable", Slice(STRING, "[]string")),
    Field("allowedUnsafeSysctls", Slice(STRING, "[]string")),
    Field("volumePluginDir", STRING),
    Field("providerID", STRING),
    Field("kernelMemcgNotification", BOOL),
    Field("logging", LOGGING),
    Field("enableSystemLogHandler", BOOL, ptr=True),
    Field("enableSystemLogQuery", BOOL, ptr=True),
    Field("shutdownGracePeriod", DURATION),
    Field("shutdownGracePeriodCriticalPods", DURATION),
    Field("shutdownGracePeriodByPodPriority", Slice(Struct("v1beta1.ShutdownGracePeriodByPodPriority", [
        Field("priority", INT32, omitempty=False),
        Field("shutdownGracePeriodSeconds", INT64, omitempty=False),
    ]), "[]v1beta1.ShutdownGracePeriodByPodPriority")),
    Field("reservedMemory", Slice(Struct("v1beta1.MemoryReservation", [
        Field("numaNode", INT32, omitempty=False),
        Field("limits", Map(QUANTITY, "v1.ResourceList"), omitempty=False),
    ]), "[]v1beta1.MemoryReservation")),
    Field("enableProfilingHandler", BOOL, ptr=True),
    Field("enableDebugFlagsHandler", BOOL, ptr=True),
    Field("seccompDefault", BOOL, ptr=True),
    Field("memoryThrottlingFactor", FLOAT64, ptr=True),
    Field("registerWithTaints", Slice(TAINT, "[]v1.Taint")),
    Field("registerNode", BOOL, ptr=True),
    Field("tracing", Struct("v1.TracingConfiguration", [
        Field("endpoint", STRING, ptr=True),
        Field("samplingRatePerMillion", INT32, ptr=True),
    ]), ptr=True),
    Field("localStorageCapacityIsolation", BOOL, ptr=True),
    Field("containerRuntimeEndpoint", STRING, omitempty=False),
    Field("imageServiceEndpoint", STRING),
])


def zero(field):
    if field.ptr:
        return None
    return _zero_of(field.typ)


def _zero_of(typ):
    if isinstance(typ, Struct):
        return {f.name: zero(f) for f in typ.fields}
    if isinstance(typ, (Map, Slice)):
        return None
    return {"string": "", "bool": False, "int": 0, "float": 0.0, "duration": Duration(0), "tod": Duration(0),
            "quantity": "", "any": None}[typ.kind]


def empty_config():
    return _zero_of(KUBELET_CONFIGURATION)


# --- decoding (sigs.k8s.io/json semantics) ------------------------------------------------------

class DecodeResult:
    def __init__(self):
        self.type_error = None  # first UnmarshalTypeError: fatal
        self.strict = []  # unknown/duplicate fields: strict decoding errors


class _HardError(GoError):
    """An error returned by a custom UnmarshalJSON (durations, quantities): stops decoding at once."""


def decode_into(tree, config, result):
    """Decode a JSON tree (already known to be an object) onto `config` in place."""
    _decode_struct(tree, KUBELET_CONFIGURATION, config, [], result)


def _type_error(result, value_kind, typ, struct_name, path):
    if result.type_error is None:
        goname = typ.goname
        if path:
            result.type_error = GoError("json: cannot unmarshal %s into Go struct field %s.%s of type %s" % (
                value_kind, struct_name, ".".join(p for p in path if not p.startswith("[")), goname))
        else:
            result.type_error = GoError("json: cannot unmarshal %s into Go value of type %s" % (value_kind, goname))


def _path_string(path):
    out = ""
    for p in path:
        out += p if p.startswith("[") else ("." + p if out else p)
    return out


def _decode_struct(obj, struct, target, path, result):
    seen = set()
    for key, value in obj.pairs:
        field = struct.by_name.get(key)
        if field is None:
            result.strict.append('unknown field %s' % go_quote(_path_string(path + [key])))
            continue
        if key in seen:
            result.strict.append('duplicate field %s' % go_quote(_path_string(path + [key])))
        seen.add(key)
        target[key] = _decode_value(value, field.typ, target.get(key), field.ptr, path + [key], result, struct.name)


def _decode_value(value, typ, current, ptr, path, result, struct_name):
    if value is None:
        if ptr or isinstance(typ, (Map, Slice)):
            return None
        if isinstance(typ, Scalar) and typ.kind == "duration":
            # metav1.Duration.UnmarshalJSON(null) parses "" and fails
            raise _HardError('time: invalid duration ""')
        return current
    if isinstance(typ, Struct):
        if not isinstance(value, JObj):
            _type_error(result, kind_of(value), typ, struct_name, path)
            return current
        base = current if isinstance(current, dict) else _zero_of(typ)
        _decode_struct(value, typ, base, path, result)
        return base
    if isinstance(typ, Map):
        if not isinstance(value, JObj):
            _type_error(result, kind_of(value), typ, struct_name, path)
            return current
        base = current if isinstance(current, dict) else {}
        for k, v in value.pairs:
            base[k] = _decode_value(v, typ.elem, base.get(k), False, path, result, struct_name)
        return base
    if isinstance(typ, Slice):
        if not isinstance(value, JArr):
            _type_error(result, kind_of(value), typ, struct_name, path)
            return current
        return [_decode_value(v, typ.elem, None, False, path + ["[%d]" % i], result, struct_name)
                for i, v in enumerate(value.items)]
    return _decode_scalar(value, typ, current, path, result, struct_name)


def _decode_scalar(value, typ, current, path, result, struct_name):
    kind = typ.kind
    if kind == "duration":
        if not isinstance(value, str):
            # UnmarshalJSON unmarshals into a string first; the error gets this field as context
            r = DecodeResult()
            _type_error(r, kind_of(value), STRING, struct_name, path)
            raise _HardError(str(r.type_error))
        return parse_duration(value)
    if kind == "tod":
        if isinstance(value, str):
            return parse_duration(value)
        if isinstance(value, JNum) and re.match(r"^-?[0-9]+$", value.text):
            return Duration(int(value.text))
        raise _HardError("json: cannot unmarshal %s into Go value of type time.Duration" % kind_of(value))
    if kind == "quantity":
        text = value if isinstance(value, str) else value.text if isinstance(value, JNum) else str(value).lower()
        if not re.match(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$", text.strip()):
            raise _HardError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        return text.strip()
    if kind == "string":
        if isinstance(value, str):
            return value
    elif kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "int":
        if isinstance(value, JNum):
            n = _go_int_literal(value.text)
            lo, hi = (-(1 << (typ.bits - 1)), (1 << (typ.bits - 1)) - 1) if typ.signed else (0, (1 << typ.bits) - 1)
            if n is None or not lo <= n <= hi:
                _type_error(result, "number " + value.text, typ, struct_name, path)
                return current
            return n
    elif kind == "float":
        if isinstance(value, JNum):
            return float(value.text)
    _type_error(result, kind_of(value), typ, struct_name, path)
    return current


def _go_int_literal(text):
    if re.match(r"^-?[0-9]+$", text):
        return int(text)
    return None


# --- defaults (SetDefaults_KubeletConfiguration, 1.29) -------------------------------------------

DEFAULT_EVICTION_HARD = {"imagefs.available": "15%", "memory.available": "100Mi",
                         "nodefs.available": "10%", "nodefs.inodesFree": "5%"}
DEFAULT_VOLUME_PLUGIN_DIR = "/usr/libexec/kubernetes/kubelet-plugins/volume/exec/"


def set_defaults(c):
    def dflt(key, value, when=lambda v: v in (None, "", 0) and not isinstance(v, bool)):
        if when(c[key]):
            c[key] = value

    if c["enableServer"] is None:
        c["enableServer"] = True
    dflt("syncFrequency", Duration(60 * 10**9))
    dflt("fileCheckFrequency", Duration(20 * 10**9))
    dflt("httpCheckFrequency", Duration(20 * 10**9))
    dflt("address", "0.0.0.0")
    dflt("port", 10250)
    authn = c["authentication"]
    if authn["anonymous"]["enabled"] is None:
        authn["anonymous"]["enabled"] = False
    if authn["webhook"]["enabled"] is None:
        authn["webhook"]["enabled"] = True
    if authn["webhook"]["cacheTTL"] == 0:
        authn["webhook"]["cacheTTL"] = Duration(2 * 60 * 10**9)
    authz = c["authorization"]
    if authz["mode"] == "":
        authz["mode"] = "Webhook"
    if authz["webhook"]["cacheAuthorizedTTL"] == 0:
        authz["webhook"]["cacheAuthorizedTTL"] = Duration(5 * 60 * 10**9)
    if authz["webhook"]["cacheUnauthorizedTTL"] == 0:
        authz["webhook"]["cacheUnauthorizedTTL"] = Duration(30 * 10**9)
    for key, value in (("registryPullQPS", 5), ("eventRecordQPS", 50), ("healthzPort", 10248),
                       ("oomScoreAdj", -999), ("imageGCHighThresholdPercent", 85),
                       ("imageGCLowThresholdPercent", 80), ("podPidsLimit", -1), ("nodeStatusMaxImages", 50),
                       ("kubeAPIQPS", 50), ("iptablesMasqueradeBit", 14), ("iptablesDropBit", 15),
                       ("containerLogMaxFiles", 5), ("memoryThrottlingFactor", 0.9)):
        if c[key] is None:
            c[key] = value
    dflt("registryBurst", 10)
    dflt("eventBurst", 100)
    if c["enableDebuggingHandlers"] is None:
        c["enableDebuggingHandlers"] = True
    dflt("healthzBindAddress", "127.0.0.1")
    dflt("streamingConnectionIdleTimeout", Duration(4 * 3600 * 10**9))
    if c["nodeStatusReportFrequency"] == 0:
        # for backward compatibility it follows an explicitly set nodeStatusUpdateFrequency
        c["nodeStatusReportFrequency"] = (Duration(5 * 60 * 10**9) if c["nodeStatusUpdateFrequency"] == 0
                                          else c["nodeStatusUpdateFrequency"])
    dflt("nodeStatusUpdateFrequency", Duration(10 * 10**9))
    dflt("nodeLeaseDurationSeconds", 40)
    dflt("imageMinimumGCAge", Duration(2 * 60 * 10**9))
    dflt("volumeStatsAggPeriod", Duration(60 * 10**9))
    if c["cgroupsPerQOS"] is None:
        c["cgroupsPerQOS"] = True
    dflt("cgroupDriver", "cgroupfs")
    dflt("cpuManagerPolicy", "none")
    dflt("cpuManagerReconcilePeriod", Duration(10 * 10**9))
    dflt("memoryManagerPolicy", "None")
    dflt("topologyManagerPolicy", "none")
    dflt("topologyManagerScope", "container")
    dflt("runtimeRequestTimeout", Duration(2 * 60 * 10**9))
    dflt("hairpinMode", "promiscuous-bridge")
    dflt("maxPods", 110)
    if c["resolvConf"] is None:
        c["resolvConf"] = "/etc/resolv.conf"
    if c["cpuCFSQuota"] is None:
        c["cpuCFSQuota"] = True
    if c["cpuCFSQuotaPeriod"] is None:
        c["cpuCFSQuotaPeriod"] = Duration(100 * 10**6)
    dflt("maxOpenFiles", 1000000)
    dflt("contentType", "application/vnd.kubernetes.protobuf")
    dflt("kubeAPIBurst", 100)
    if c["serializeImagePulls"] is None:
        c["serializeImagePulls"] = not (c["maxParallelImagePulls"] is not None and c["maxParallelImagePulls"] > 1)
    dflt("evictionPressureTransitionPeriod", Duration(5 * 60 * 10**9))
    for key in ("enableControllerAttachDetach", "makeIPTablesUtilChains", "failSwapOn", "enableSystemLogHandler",
                "enableProfilingHandler", "enableDebugFlagsHandler", "registerNode", "localStorageCapacityIsolation"):
        if c[key] is None:
            c[key] = True
    for key in ("enableSystemLogQuery", "seccompDefault"):
        if c[key] is None:
            c[key] = False
    dflt("containerLogMaxSize", "10Mi")
    dflt("configMapAndSecretChangeDetectionStrategy", "Watch")
    if c["enforceNodeAllocatable"] is None:
        c["enforceNodeAllocatable"] = ["pods"]
    dflt("volumePluginDir", DEFAULT_VOLUME_PLUGIN_DIR)
    logging = c["logging"]
    if logging["format"] == "":
        logging["format"] = "text"
    if logging["flushFrequency"] == 0:
        logging["flushFrequency"] = Duration(5 * 10**9)
    for fmt in ("text", "json"):
        if logging["options"][fmt]["infoBufferSize"] == "":
            logging["options"][fmt]["infoBufferSize"] = "0"
    dflt("containerRuntimeEndpoint", "unix:///run/containerd/containerd.sock")


def default_config():
    """v1beta1 defaults as converted to the internal type (EvictionHard as the kubelet fills it)."""
    c = empty_config()
    set_defaults(c)
    c["evictionHard"] = dict(DEFAULT_EVICTION_HARD)
    return c


def legacy_flag_config():
    """The config the command-line flags start from when there is no --config (applyLegacyDefaults)."""
    c = default_config()
    c["authentication"]["anonymous"]["enabled"] = True
    c["authentication"]["webhook"]["enabled"] = False
    c["authorization"]["mode"] = "AlwaysAllow"
    c["readOnlyPort"] = 10255
    return c


# --- marshalling (encoding/json with the v1beta1 tags) ----------------------------------------

def to_json_value(config):
    """The config as plain JSON values in struct field order, omitempty applied (what /configz returns)."""
    return _marshal_struct(KUBELET_CONFIGURATION, config)


def _is_empty(typ, v):
    if v is None:
        return True
    if isinstance(typ, (Map, Slice)):
        return len(v) == 0
    if isinstance(typ, Struct):
        return False
    if typ.kind in ("duration", "tod", "quantity"):
        return False  # structs in Go: never empty for omitempty
    return v in ("", 0, False) and not (isinstance(v, float) and v != 0)


def _marshal_struct(struct, obj):
    out = {}
    for f in struct.fields:
        v = obj.get(f.name)
        if f.ptr:
            if v is None:
                if not f.omitempty:
                    out[f.name] = None
                continue
        elif f.omitempty and _is_empty(f.typ, v):
            continue
        out[f.name] = _marshal_value(f.typ, v)
    return out


def _marshal_value(typ, v):
    if v is None:
        return None
    if isinstance(typ, Struct):
        return _marshal_struct(typ, v)
    if isinstance(typ, Map):
        return {k: _marshal_value(typ.elem, v[k]) for k in sorted(v, key=lambda s: s.encode("utf-8"))}
    if isinstance(typ, Slice):
        return [_marshal_value(typ.elem, x) for x in v]
    if typ.kind in ("duration", "tod"):
        return str(Duration(v))
    if typ.kind == "quantity":
        return v if v != "" else "0"
    return v


# --- JSON merge patch (RFC 7386), as evanphx/json-patch MergePatch -----------------------------

def merge_patch(base, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(base) if isinstance(base, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def tree_to_plain(tree):
    """JSON tree → plain python (dicts keep the last duplicate, numbers as int/float)."""
    if isinstance(tree, JObj):
        out = {}
        for k, v in tree.pairs:
            out[k] = tree_to_plain(v)
        return out
    if isinstance(tree, JArr):
        return [tree_to_plain(v) for v in tree.items]
    if isinstance(tree, JNum):
        return int(tree.text) if re.match(r"^-?[0-9]+$", tree.text) else float(tree.text)
    return tree


def plain_to_tree(v):
    if isinstance(v, dict):
        return JObj([(k, plain_to_tree(x)) for k, x in v.items()])
    if isinstance(v, list):
        return JArr([plain_to_tree(x) for x in v])
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return JNum(str(v))
    if isinstance(v, float):
        return JNum(go_json_float(v))
    return v


# --- validation (a subset of ValidateKubeletConfiguration) -------------------------------------

def validate(c):
    errs = []

    def check(cond, msg):
        if cond:
            errs.append("invalid configuration: " + msg)

    check(c["nodeLeaseDurationSeconds"] <= 0, "nodeLeaseDurationSeconds must be greater than 0")
    check(c["eventBurst"] < 0, "eventBurst (--event-burst) %d must not be a negative number" % c["eventBurst"])
    check(c["eventRecordQPS"] < 0, "eventRecordQPS (--event-qps) %d must not be a negative number" % c["eventRecordQPS"])
    check(c["healthzPort"] != 0 and not 1 <= c["healthzPort"] <= 65535,
          "healthzPort (--healthz-port) %d must be between 1 and 65535, inclusive" % c["healthzPort"])
    hi, lo = c["imageGCHighThresholdPercent"], c["imageGCLowThresholdPercent"]
    check(not 0 <= hi <= 100, "imageGCHighThresholdPercent (--image-gc-high-threshold) %d must be between 0 and 100, inclusive" % hi)
    check(not 0 <= lo <= 100, "imageGCLowThresholdPercent (--image-gc-low-threshold) %d must be between 0 and 100, inclusive" % lo)
    check(lo >= hi, "imageGCLowThresholdPercent (--image-gc-low-threshold) %d must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) %d" % (lo, hi))
    check(not 0 <= c["iptablesDropBit"] <= 31,
          "iptablesDropBit (--iptables-drop-bit) %d must be between 0 and 31, inclusive" % c["iptablesDropBit"])
    check(not 0 <= c["iptablesMasqueradeBit"] <= 31,
          "iptablesMasqueradeBit (--iptables-masquerade-bit) %d must be between 0 and 31, inclusive" % c["iptablesMasqueradeBit"])
    check(c["kubeAPIBurst"] < 0, "kubeAPIBurst (--kube-api-burst) %d must not be a negative number" % c["kubeAPIBurst"])
    check(c["kubeAPIQPS"] < 0, "kubeAPIQPS (--kube-api-qps) %d must not be a negative number" % c["kubeAPIQPS"])
    check(c["maxOpenFiles"] < 0, "maxOpenFiles (--max-open-files) %d must not be a negative number" % c["maxOpenFiles"])
    check(c["maxPods"] < 0, "maxPods (--max-pods) %d must not be a negative number" % c["maxPods"])
    check(not -1000 <= c["oomScoreAdj"] <= 1000,
          "oomScoreAdj (--oom-score-adj) %d must be between -1000 and 1000, inclusive" % c["oomScoreAdj"])
    check(c["podsPerCore"] < 0, "podsPerCore (--pods-per-core) %d must not be a negative number" % c["podsPerCore"])
    check(not 1 <= c["port"] <= 65535, "port (--port) %d must be between 1 and 65535, inclusive" % c["port"])
    check(c["readOnlyPort"] != 0 and not 1 <= c["readOnlyPort"] <= 65535,
          "readOnlyPort (--read-only-port) %d must be between 0 and 65535, inclusive" % c["readOnlyPort"])
    check(c["registryBurst"] < 0, "registryBurst (--registry-burst) %d must not be a negative number" % c["registryBurst"])
    check(c["registryPullQPS"] < 0, "registryPullQPS (--registry-qps) %d must not be a negative number" % c["registryPullQPS"])
    if not errs:
        return None
    # utilerrors.NewAggregate: one error alone, several in brackets
    return errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
