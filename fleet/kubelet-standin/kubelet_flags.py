"""The kubelet 1.29 command line: every flag, its type, default and deprecation text.

KubeletConfiguration-backed flags start from the config the flags are bound to (v1beta1
defaults plus the legacy flag defaults) and name the field they set; the other flags are
KubeletFlags, the cadvisor/credential-provider globals, --help and --version.
"""
import pflag as pf
from gostr import Duration

CONFIG_DEPRECATED = ("This parameter should be set via the config file specified by the Kubelet's --config flag. "
                     "See https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/ for more information.")
CADVISOR_DEPRECATED = ("This is a cadvisor flag that was mistakenly registered with the Kubelet. Due to legacy concerns, "
                       "it will follow the standard CLI deprecation timeline before being removed.")
EVICTION_DEPRECATED = "Use --eviction-hard or --eviction-soft instead. Will be removed in a future version."

# (flag, value type, field path); every one is deprecated except those in NOT_DEPRECATED
CONFIG_FLAGS = [
    ("address", "ip", "address"),
    ("allowed-unsafe-sysctls", "strings", "allowedUnsafeSysctls"),
    ("anonymous-auth", "bool", "authentication.anonymous.enabled"),
    ("authentication-token-webhook", "bool", "authentication.webhook.enabled"),
    ("authentication-token-webhook-cache-ttl", "duration", "authentication.webhook.cacheTTL"),
    ("authorization-mode", "string", "authorization.mode"),
    ("authorization-webhook-cache-authorized-ttl", "duration", "authorization.webhook.cacheAuthorizedTTL"),
    ("authorization-webhook-cache-unauthorized-ttl", "duration", "authorization.webhook.cacheUnauthorizedTTL"),
    ("cgroup-driver", "string", "cgroupDriver"),
    ("cgroup-root", "string", "cgroupRoot"),
    ("cgroups-per-qos", "bool", "cgroupsPerQOS"),
    ("client-ca-file", "string", "authentication.x509.clientCAFile"),
    ("cluster-dns", "strings", "clusterDNS"),
    ("cluster-domain", "string", "clusterDomain"),
    ("container-log-max-files", "int32", "containerLogMaxFiles"),
    ("container-log-max-size", "string", "containerLogMaxSize"),
    ("container-runtime-endpoint", "string", "containerRuntimeEndpoint"),
    ("contention-profiling", "bool", "enableContentionProfiling"),
    ("cpu-cfs-quota", "bool", "cpuCFSQuota"),
    ("cpu-cfs-quota-period", "duration", "cpuCFSQuotaPeriod"),
    ("cpu-manager-policy", "string", "cpuManagerPolicy"),
    ("cpu-manager-policy-options", "map-nosplit", "cpuManagerPolicyOptions"),
    ("cpu-manager-reconcile-period", "duration", "cpuManagerReconcilePeriod"),
    ("enable-controller-attach-detach", "bool", "enableControllerAttachDetach"),
    ("enable-debugging-handlers", "bool", "enableDebuggingHandlers"),
    ("enable-server", "bool", "enableServer"),
    ("enforce-node-allocatable", "strings", "enforceNodeAllocatable"),
    ("event-burst", "int32", "eventBurst"),
    ("event-qps", "int32", "eventRecordQPS"),
    ("eviction-hard", "map-langle", "evictionHard"),
    ("eviction-max-pod-grace-period", "int32", "evictionMaxPodGracePeriod"),
    ("eviction-minimum-reclaim", "map", "evictionMinimumReclaim"),
    ("eviction-pressure-transition-period", "duration", "evictionPressureTransitionPeriod"),
    ("eviction-soft", "map-langle", "evictionSoft"),
    ("eviction-soft-grace-period", "map", "evictionSoftGracePeriod"),
    ("fail-swap-on", "bool", "failSwapOn"),
    ("feature-gates", "map-bool", "featureGates"),
    ("file-check-frequency", "duration", "fileCheckFrequency"),
    ("hairpin-mode", "string", "hairpinMode"),
    ("healthz-bind-address", "ip", "healthzBindAddress"),
    ("healthz-port", "int32", "healthzPort"),
    ("http-check-frequency", "duration", "httpCheckFrequency"),
    ("image-gc-high-threshold", "int32", "imageGCHighThresholdPercent"),
    ("image-gc-low-threshold", "int32", "imageGCLowThresholdPercent"),
    ("image-service-endpoint", "string", "imageServiceEndpoint"),
    ("iptables-drop-bit", "int32", "iptablesDropBit"),
    ("iptables-masquerade-bit", "int32", "iptablesMasqueradeBit"),
    ("kernel-memcg-notification", "bool", "kernelMemcgNotification"),
    ("kube-api-burst", "int32", "kubeAPIBurst"),
    ("kube-api-content-type", "string", "contentType"),
    ("kube-api-qps", "int32", "kubeAPIQPS"),
    ("kube-reserved", "map", "kubeReserved"),
    ("kube-reserved-cgroup", "string", "kubeReservedCgroup"),
    ("kubelet-cgroups", "string", "kubeletCgroups"),
    ("local-storage-capacity-isolation", "bool", "localStorageCapacityIsolation"),
    ("log-flush-frequency", "duration", "logging.flushFrequency"),
    ("log-json-info-buffer-size", "quantity", "logging.options.json.infoBufferSize"),
    ("log-json-split-stream", "bool", "logging.options.json.splitStream"),
    ("log-text-info-buffer-size", "quantity", "logging.options.text.infoBufferSize"),
    ("log-text-split-stream", "bool", "logging.options.text.splitStream"),
    ("logging-format", "string", "logging.format"),
    ("make-iptables-util-chains", "bool", "makeIPTablesUtilChains"),
    ("manifest-url", "string", "staticPodURL"),
    ("manifest-url-header", "map-colon-multi", "staticPodURLHeader"),
    ("max-open-files", "int64", "maxOpenFiles"),
    ("max-pods", "int32", "maxPods"),
    ("memory-manager-policy", "string", "memoryManagerPolicy"),
    ("minimum-image-ttl-duration", "duration", "imageMinimumGCAge"),
    ("node-status-max-images", "int32", "nodeStatusMaxImages"),
    ("node-status-update-frequency", "duration", "nodeStatusUpdateFrequency"),
    ("oom-score-adj", "int32", "oomScoreAdj"),
    ("pod-cidr", "string", "podCIDR"),
    ("pod-manifest-path", "string", "staticPodPath"),
    ("pod-max-pids", "int64", "podPidsLimit"),
    ("pods-per-core", "int32", "podsPerCore"),
    ("port", "int32", "port"),
    ("protect-kernel-defaults", "bool", "protectKernelDefaults"),
    ("provider-id", "string", "providerID"),
    ("qos-reserved", "map", "qosReserved"),
    ("read-only-port", "int32", "readOnlyPort"),
    ("register-node", "bool", "registerNode"),
    ("register-with-taints", "taints", "registerWithTaints"),
    ("registry-burst", "int32", "registryBurst"),
    ("registry-qps", "int32", "registryPullQPS"),
    ("reserved-cpus", "string", "reservedSystemCPUs"),
    ("reserved-memory", "reserved-memory", "reservedMemory"),
    ("resolv-conf", "string", "resolvConf"),
    ("rotate-certificates", "bool", "rotateCertificates"),
    ("rotate-server-certificates", "bool", "serverTLSBootstrap"),
    ("runonce", "bool", "runOnce"),
    ("runtime-request-timeout", "duration", "runtimeRequestTimeout"),
    ("serialize-image-pulls", "bool", "serializeImagePulls"),
    ("streaming-connection-idle-timeout", "duration", "streamingConnectionIdleTimeout"),
    ("sync-frequency", "duration", "syncFrequency"),
    ("system-cgroups", "string", "systemCgroups"),
    ("system-reserved", "map", "systemReserved"),
    ("system-reserved-cgroup", "string", "systemReservedCgroup"),
    ("tls-cert-file", "string", "tlsCertFile"),
    ("tls-cipher-suites", "strings", "tlsCipherSuites"),
    ("tls-min-version", "string", "tlsMinVersion"),
    ("tls-private-key-file", "string", "tlsPrivateKeyFile"),
    ("topology-manager-policy", "string", "topologyManagerPolicy"),
    ("topology-manager-policy-options", "map-nosplit", "topologyManagerPolicyOptions"),
    ("topology-manager-scope", "string", "topologyManagerScope"),
    ("v", "level", "logging.verbosity"),
    ("vmodule", "vmodule", "logging.vmodule"),
    ("volume-plugin-dir", "string", "volumePluginDir"),
    ("volume-stats-agg-period", "duration", "volumeStatsAggPeriod"),
]

NOT_DEPRECATED = {"v", "vmodule", "log-flush-frequency", "provider-id"}

# KubeletFlags and globals: (flag, Value factory, deprecation)
OTHER_FLAGS = [
    ("azure-container-registry-config", lambda: pf.StringValue(""),
     "Use --image-credential-provider-config and --image-credential-provider-bin-dir to setup acr credential "
     "provider instead. Will be removed in a future release."),
    ("bootstrap-kubeconfig", lambda: pf.StringValue(""), ""),
    ("cert-dir", lambda: pf.StringValue("/var/lib/kubelet/pki"), ""),
    ("cloud-config", lambda: pf.StringValue(""),
     "will be removed in 1.25 or later, in favor of removing cloud provider code from Kubelet."),
    ("cloud-provider", lambda: pf.StringValue(""), ""),
    ("config", lambda: pf.StringValue(""), ""),
    ("config-dir", lambda: pf.StringValue(""), ""),
    ("exit-on-lock-contention", lambda: pf.BoolValue(False), ""),
    ("experimental-allocatable-ignore-eviction", lambda: pf.BoolValue(False), "will be removed in 1.25 or later."),
    ("experimental-mounter-path", lambda: pf.StringValue(""), "will be removed in 1.25 or later. in favor of using CSI."),
    ("help", lambda: pf.BoolValue(False), ""),
    ("hostname-override", lambda: pf.StringValue(""), ""),
    ("image-credential-provider-bin-dir", lambda: pf.StringValue(""), ""),
    ("image-credential-provider-config", lambda: pf.StringValue(""), ""),
    ("keep-terminated-pod-volumes", lambda: pf.BoolValue(False), "will be removed in a future version"),
    ("kubeconfig", lambda: pf.StringValue(""), ""),
    ("lock-file", lambda: pf.StringValue(""), ""),
    ("maximum-dead-containers", lambda: pf.IntValue(-1, 32), EVICTION_DEPRECATED),
    ("maximum-dead-containers-per-container", lambda: pf.IntValue(1, 32), EVICTION_DEPRECATED),
    ("minimum-container-ttl-duration", lambda: pf.DurationValue(Duration(0)), EVICTION_DEPRECATED),
    ("node-ip", lambda: pf.StringValue(""), ""),
    ("node-labels", lambda: pf.LabelsValue({}), ""),
    ("pod-infra-container-image", lambda: pf.StringValue("registry.k8s.io/pause:3.9"),
     "will be removed in a future release. Image garbage collector will get sandbox image information from CRI."),
    ("register-schedulable", lambda: pf.BoolValue(True), "will be removed in a future version"),
    ("root-dir", lambda: pf.StringValue("/var/lib/kubelet"), ""),
    ("runtime-cgroups", lambda: pf.StringValue(""), ""),
    ("seccomp-default", lambda: pf.BoolValue(False), ""),
    ("version", lambda: pf.VersionValue("false"), ""),
    # cadvisor's Go flags, re-registered by the kubelet
    ("application-metrics-count-limit", lambda: pf.GoFlagIntValue(100, 64), CADVISOR_DEPRECATED),
    ("boot-id-file", lambda: pf.StringValue("/proc/sys/kernel/random/boot_id"), CADVISOR_DEPRECATED),
    ("container-hints", lambda: pf.StringValue("/etc/cadvisor/container_hints.json"), CADVISOR_DEPRECATED),
    ("containerd", lambda: pf.StringValue("/run/containerd/containerd.sock"), CADVISOR_DEPRECATED),
    ("containerd-namespace", lambda: pf.StringValue("k8s.io"), CADVISOR_DEPRECATED),
    ("enable-load-reader", lambda: pf.GoFlagBoolValue(False), CADVISOR_DEPRECATED),
    ("event-storage-age-limit", lambda: pf.StringValue("default=0"), CADVISOR_DEPRECATED),
    ("event-storage-event-limit", lambda: pf.StringValue("default=0"), CADVISOR_DEPRECATED),
    ("global-housekeeping-interval", lambda: pf.GoFlagDurationValue(Duration(60 * 10**9)), CADVISOR_DEPRECATED),
    ("housekeeping-interval", lambda: pf.GoFlagDurationValue(Duration(10 * 10**9)), ""),
    ("log-cadvisor-usage", lambda: pf.GoFlagBoolValue(False), CADVISOR_DEPRECATED),
    ("machine-id-file", lambda: pf.StringValue("/etc/machine-id,/var/lib/dbus/machine-id"), CADVISOR_DEPRECATED),
    ("storage-driver-buffer-duration", lambda: pf.GoFlagDurationValue(Duration(60 * 10**9)), CADVISOR_DEPRECATED),
    ("storage-driver-db", lambda: pf.StringValue("cadvisor"), CADVISOR_DEPRECATED),
    ("storage-driver-host", lambda: pf.StringValue("localhost:8086"), CADVISOR_DEPRECATED),
    ("storage-driver-password", lambda: pf.StringValue("root"), CADVISOR_DEPRECATED),
    ("storage-driver-secure", lambda: pf.GoFlagBoolValue(False), CADVISOR_DEPRECATED),
    ("storage-driver-table", lambda: pf.StringValue("stats"), CADVISOR_DEPRECATED),
    ("storage-driver-user", lambda: pf.StringValue("root"), CADVISOR_DEPRECATED),
]

SHORTHANDS = {"v": "v", "help": "h"}


def get_path(config, path):
    node = config
    for part in path.split("."):
        node = node[part]
    return node


def set_path(config, path, value):
    parts = path.split(".")
    node = config
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


def config_value(kind, current):
    """A pflag Value for a config-backed flag, starting from the field's current value."""
    if kind == "bool":
        return pf.BoolValue(current)
    if kind == "string":
        return pf.StringValue(current if current is not None else "")
    if kind == "int32":
        return pf.IntValue(current, 32)
    if kind == "int64":
        return pf.IntValue(current, 64)
    if kind == "duration":
        return pf.DurationValue(current)
    if kind == "ip":
        return pf.IPValue(current)
    if kind == "strings":
        return pf.StringSliceValue(current)
    if kind == "map":
        return pf.MapStringStringValue(current)
    if kind == "map-nosplit":
        return pf.MapStringStringValue(current, no_split=True)
    if kind == "map-langle":
        return pf.MapStringStringValue(current, sep="<")
    if kind == "map-bool":
        return pf.MapStringBoolValue(current)
    if kind == "map-colon-multi":
        return pf.ColonMultimapValue(current)
    if kind == "taints":
        return pf.TaintsValue(current)
    if kind == "reserved-memory":
        return pf.ReservedMemoryValue(current)
    if kind == "level":
        return pf.LevelValue(current)
    if kind == "vmodule":
        return pf.VModuleValue(current)
    if kind == "quantity":
        return pf.QuantityValue(current)
    raise ValueError(kind)


def build_flags(config, on_deprecated):
    """The kubelet's flag set, with config-backed flags bound to `config`'s current values."""
    flags = []
    for name, kind, path in CONFIG_FLAGS:
        flags.append(pf.Flag(name, config_value(kind, get_path(config, path)), shorthand=SHORTHANDS.get(name, ""),
                             deprecated="" if name in NOT_DEPRECATED else CONFIG_DEPRECATED, target=(kind, path)))
    for name, factory, deprecated in OTHER_FLAGS:
        flags.append(pf.Flag(name, factory(), shorthand=SHORTHANDS.get(name, ""), deprecated=deprecated))
    return pf.FlagSet(flags, on_deprecated)


def apply_to_config(flagset, config):
    """Write every set config-backed flag's value into `config` (the fields the flags are bound to)."""
    for flag in flagset.formal.values():
        if flag.changed and flag.target is not None:
            set_path(config, flag.target[1], _copy(flag.value.value))


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


def reparse_over(config, args):
    """kubeletConfigFlagPrecedence: parse the command line again onto the loaded config.

    Feature gates set in the config but not on the command line are kept.
    """
    original_gates = dict(config["featureGates"] or {})
    flagset = build_flags(config, on_deprecated=None)
    flagset.parse(args)
    apply_to_config(flagset, config)
    if flagset.formal["feature-gates"].changed:
        gates = config["featureGates"]
        for k, v in original_gates.items():
            gates.setdefault(k, v)
