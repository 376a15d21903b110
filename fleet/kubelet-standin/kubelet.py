#!/usr/bin/python3
"""Kubelet stand-in: what kubelet v1.29.3 does at start-up, up to serving on its port.

Run by kubelet-launcher (the unit's MainPID) as `kubelet.py ARGV0 ARGS...`. It parses the
flags like pflag, loads --config and --config-dir like the kubelet's codec, applies flag
precedence, validates, checks authentication/authorization the way the kubelet builds them,
logs in klog format, and on success writes the effective configuration, exactly as /configz
serves it, to $RUN_DIR/configz.json.

Exit status: 0 started (the launcher stays running as the kubelet), 1 the kubelet fails to
start, 125 the kubelet would exit 0 right away (--help, --version).
"""
import base64
import binascii
import copy
import os
import platform
import re
import sys
import time

import config_files
import gojson
import kubelet_config as kc
import kubelet_flags
import klog
from gostr import go_os_error, go_quote
from pflag import FlagError

VERSION = "v1.29.3"
EXIT_STARTED, EXIT_FAILED, EXIT_QUIT = 0, 1, 125

# Test-only knobs: where configz.json goes, and a multiplier on the start-up delays.
RUN_DIR = os.environ.get("KUBELET_STANDIN_RUN_DIR", "/run/kubelet")
TIMESCALE = float(os.environ.get("KUBELET_STANDIN_TIMESCALE", "1"))

KUBELET_LABEL_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"]
KUBELET_LABELS = ["beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type", "beta.kubernetes.io/os",
                  "failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
                  "kubernetes.io/arch", "kubernetes.io/hostname", "kubernetes.io/os",
                  "node.kubernetes.io/instance-type", "topology.kubernetes.io/region", "topology.kubernetes.io/zone"]


class StartupError(Exception):
    """The error the kubelet's command returns; logged as `"command failed" err=...`."""


def configz_path():
    return os.path.join(RUN_DIR, "configz.json")


def remove_configz():
    try:
        os.unlink(configz_path())
    except FileNotFoundError:
        pass


def write_configz(config):
    os.makedirs(RUN_DIR, exist_ok=True)
    body = gojson.marshal({"kubeletconfig": kc.to_json_value(config)})
    tmp = configz_path() + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(tmp, configz_path())


def pause(seconds):
    if TIMESCALE > 0:
        time.sleep(seconds * TIMESCALE)


def validate_node_labels(labels):
    unknown = []
    for key in labels:
        ns = key.split("/", 1)[0] if "/" in key else ""
        kubernetes_ns = ns in ("kubernetes.io", "k8s.io") or ns.endswith(".kubernetes.io") or ns.endswith(".k8s.io")
        allowed = key in KUBELET_LABELS or any(ns == n or ns.endswith("." + n) for n in KUBELET_LABEL_NAMESPACES)
        if kubernetes_ns and not allowed:
            unknown.append(key)
    if unknown:
        raise StartupError(
            "failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: "
            "[%s]\n--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (%s) or be in the "
            "specifically allowed set (%s)" % (" ".join(sorted(unknown)), ", ".join(KUBELET_LABEL_NAMESPACES),
                                                ", ".join(KUBELET_LABELS)))


def print_flags(flagset):
    for flag in flagset.sorted_flags():
        klog.info_f("flags.go:64", "FLAG: --%s=%s" % (flag.name, go_quote(flag.value.string())))


def feature_gates_line(config):
    gates = config["featureGates"] or {}
    inner = " ".join("%s:%s" % (k, "true" if gates[k] else "false") for k in sorted(gates))
    klog.info_f("feature_gate.go:249", "feature gates: &{map[%s]}" % inner)


def _pem_blocks(data, kind):
    text = data.decode("ascii", "replace")
    return re.findall(r"-----BEGIN %s-----\r?\n(.*?)-----END %s-----" % (kind, kind), text, re.S)


def load_client_ca(path):
    """dynamiccertificates.NewDynamicCAContentFromFile("client-ca-bundle", path)."""
    name = "client-ca-bundle::" + path
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        raise StartupError("read %s: is a directory" % path)
    except OSError as e:
        raise StartupError(go_os_error("open", path, e))
    if not data:
        raise StartupError("missing content for CA bundle %s" % go_quote(name))
    certs = 0
    for body in _pem_blocks(data, "CERTIFICATE"):
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        if not der.startswith(b"\x30"):
            raise StartupError("error loading CA bundle for %s: x509: malformed certificate" % go_quote(name))
        certs += 1
    if certs == 0:
        raise StartupError("error loading CA bundle for %s: data does not contain any valid RSA or ECDSA certificates"
                           % go_quote(name))


def check_serving_cert(cert_file, key_file):
    """tls.LoadX509KeyPair, as ListenAndServeTLS does it; returns the error text or None."""
    for path, kind, what in ((cert_file, "CERTIFICATE", "certificate"), (key_file, "PRIVATE KEY", "key")):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            return go_os_error("open", path, e)
        if b"-----BEGIN" not in data:
            return "tls: failed to find any PEM data in %s input" % what
        if what == "key" and not re.search(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----", data):
            return "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input"
        if what == "certificate" and not _pem_blocks(data, "CERTIFICATE"):
            return "tls: failed to find \"CERTIFICATE\" PEM block in certificate input"
    return None


def build_auth(config, standalone):
    """BuildAuth: authenticator (client CA, token webhook), then authorizer (mode)."""
    authn = config["authentication"]
    ca = authn["x509"]["clientCAFile"]
    if ca:
        load_client_ca(ca)
    if authn["webhook"]["enabled"] and standalone:
        raise StartupError("no client provided, cannot use webhook authentication")
    mode = config["authorization"]["mode"]
    if mode == "AlwaysAllow":
        return
    if mode == "Webhook":
        if standalone:
            raise StartupError("no client provided, cannot use webhook authorization")
        return
    if mode == "":
        raise StartupError("no authorization mode specified")
    raise StartupError("unknown authorization mode %s" % mode)


def usage(flagset):
    lines = ["The kubelet is the primary \"node agent\" that runs on each node.", "", "Usage:", "  kubelet [flags]", "",
             "Flags:"]
    for flag in flagset.sorted_flags():
        short = "-%s, " % flag.shorthand if flag.shorthand else "    "
        lines.append("  %s--%s" % (short, flag.name))
    return "\n".join(lines) + "\n"


def run(args):
    legacy = kc.legacy_flag_config()
    flagset = kubelet_flags.build_flags(legacy, on_deprecated=klog.raw)
    try:
        flagset.parse(args)
    except FlagError as e:
        raise StartupError("failed to parse kubelet flag: %s" % e)
    if flagset.args:
        raise StartupError("unknown command %s" % flagset.args[0])
    flags = flagset.formal
    if flags["help"].value.value:
        sys.stdout.write(usage(flagset))
        return EXIT_QUIT
    version = flags["version"].value.value
    if version != "false":
        machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
        if version == "raw":
            sys.stdout.write('version.Info{Major:"1", Minor:"29", GitVersion:"%s", GitCommit:"", GitTreeState:"clean", '
                             'BuildDate:"", GoVersion:"go1.21.8", Compiler:"gc", Platform:"linux/%s"}\n' % (VERSION, machine))
        else:
            sys.stdout.write("Kubernetes %s\n" % VERSION)
        return EXIT_QUIT

    # A failed start must not leave the previous process's configuration behind.
    remove_configz()

    # The flags are bound to this config: legacy defaults plus whatever the command line set.
    kubelet_flags.apply_to_config(flagset, legacy)
    validate_node_labels(flags["node-labels"].value.value)
    if flags["pod-infra-container-image"].changed:
        klog.info_s("server.go:204", "--pod-infra-container-image will not be pruned by the image garbage collector in "
                                     "kubelet and should also be set in the remote runtime")

    config_file = flags["config"].value.value
    config_dir = flags["config-dir"].value.value
    config = legacy
    if config_file:
        try:
            config = config_files.load_config_file(
                config_file, lambda err: klog.info_s("codec.go:100", "Using lenient decoding as strict decoding failed",
                                                     "err", err))
        except config_files.ConfigError as e:
            raise StartupError("failed to load kubelet config file, path: %s, error: %s" % (config_file, e))
    if config_dir:
        if "KUBELET_CONFIG_DROPIN_DIR_ALPHA" not in os.environ:
            raise StartupError("flag %s specified but environment variable KUBELET_CONFIG_DROPIN_DIR_ALPHA not set, "
                               "cannot start kubelet" % config_dir)
        try:
            config = config_files.merge_dropins(config, config_dir)
        except config_files.ConfigError as e:
            raise StartupError(str(e))
    if config_file or config_dir:
        config = copy.deepcopy(config)
        try:
            kubelet_flags.reparse_over(config, args)
        except FlagError as e:
            raise StartupError("failed to precedence kubeletConfigFlag: %s" % e)

    verbose = config["logging"]["verbosity"] >= 1
    if verbose:
        print_flags(flagset)
    invalid = kc.validate(config)
    if invalid:
        raise StartupError("failed to validate kubelet configuration, error: %s, path: &TypeMeta{Kind:,APIVersion:,}"
                           % invalid)
    if verbose:
        feature_gates_line(config)

    # UnsecuredDependencies: without serving files or bootstrap, the kubelet self-signs into --cert-dir.
    explicit_tls = bool(config["tlsCertFile"] or config["tlsPrivateKeyFile"])
    if not config["serverTLSBootstrap"] and not explicit_tls:
        cert_dir = flags["cert-dir"].value.value
        config["tlsCertFile"] = os.path.join(cert_dir, "kubelet.crt")
        config["tlsPrivateKeyFile"] = os.path.join(cert_dir, "kubelet.key")

    klog.info_s("server.go:487", "Kubelet version", "kubeletVersion", VERSION)
    klog.info_s("server.go:489", "Golang settings", "GOGC", os.environ.get("GOGC", ""),
                "GOMAXPROCS", os.environ.get("GOMAXPROCS", ""), "GOTRACEBACK", os.environ.get("GOTRACEBACK", ""))
    if verbose:
        feature_gates_line(config)
        feature_gates_line(config)
    if config_file:
        # Not a real kubelet line (the reference captures have it): which file was loaded.
        klog.info_s("server.go:490", "Loaded kubelet config", "path", config_file)
    standalone = flags["kubeconfig"].value.value == ""
    if standalone:
        klog.info_s("server.go:655", "Standalone mode, no API client")
    pause(0.3)
    try:
        build_auth(config, standalone)
    except StartupError as e:
        raise StartupError("failed to run Kubelet: %s" % e)
    if config["authentication"]["x509"]["clientCAFile"]:
        klog.info_s("dynamic_cafile_content.go:157", "Starting controller",
                    "name", "client-ca-bundle::" + config["authentication"]["x509"]["clientCAFile"])
    pause(0.5)

    klog.info_s("server.go:1256", "Started kubelet")
    if config["enableServer"]:
        failed = serve(config, explicit_tls)
        if failed:
            return EXIT_FAILED
    write_configz(config)
    return EXIT_STARTED


def serve(config, explicit_tls):
    """The kubelet server goroutines: a serving pair that cannot be loaded makes the kubelet exit 1."""
    authn = config["authentication"]
    klog.info_s("server.go:162", "Starting to listen", "address", config["address"], "port", config["port"])
    serving_error = check_serving_cert(config["tlsCertFile"], config["tlsPrivateKeyFile"]) if (
        explicit_tls and not config["serverTLSBootstrap"]) else None
    if serving_error:
        klog.error_s("server.go:176", serving_error, "Failed to listen and serve")
        return True
    # Not a real kubelet line: one line with the effective auth settings, for people reading the journal.
    klog.info_s("server.go:164", "Started kubelet server", "address", config["address"], "port", config["port"],
                "anonymousAuth", authn["anonymous"]["enabled"], "webhookAuthn", authn["webhook"]["enabled"],
                "authorizationMode", config["authorization"]["mode"], "readOnlyPort", config["readOnlyPort"])
    if config["readOnlyPort"] > 0:
        klog.info_s("server.go:199", "Starting to listen read-only", "address", config["address"],
                    "port", config["readOnlyPort"])
    return False


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: kubelet.py ARGV0 [ARGS...]\n")
        return EXIT_FAILED
    try:
        return run(argv[2:])
    except StartupError as e:
        remove_configz()
        klog.error_s("run.go:74", str(e), "command failed")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
