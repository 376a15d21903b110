/**
 * Kubelet flag names by how pflag parses them. A flag with NoOptDefVal (every BoolVar, and
 * --version) never takes the next argument: `--anonymous-auth false` leaves "false" as a stray
 * positional, which the kubelet rejects ("unknown command").
 *
 * Sources: kubernetes cmd/kubelet/app/options/options.go (KubeletFlags.AddFlags,
 * AddKubeletConfigFlags), options/globalflags*.go (klog, cadvisor, verflag), component-base
 * logs/api/v1 AddFlags; older names kept because real nodes run older kubelets.
 */

/** Flags that never consume the next argument. */
export const KUBELET_BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  // KubeletConfiguration flags (AddKubeletConfigFlags)
  'enable-server', 'fail-swap-on', 'anonymous-auth', 'authentication-token-webhook',
  'rotate-server-certificates', 'rotate-certificates', 'enable-debugging-handlers',
  'contention-profiling', 'cgroups-per-qos', 'runonce', 'cpu-cfs-quota',
  'enable-controller-attach-detach', 'make-iptables-util-chains', 'kernel-memcg-notification',
  'local-storage-capacity-isolation', 'serialize-image-pulls', 'protect-kernel-defaults',
  'register-node',
  // KubeletFlags (AddFlags)
  'seccomp-default', 'exit-on-lock-contention', 'register-schedulable', 'keep-terminated-pod-volumes',
  'experimental-allocatable-ignore-eviction', 'windows-service',
  // logging: component-base logs and legacy klog flags
  'log-text-split-stream', 'log-json-split-stream', 'logtostderr', 'alsologtostderr', 'skip-headers',
  'skip-log-headers', 'add-dir-header', 'one-output',
  // cadvisor flags registered on the kubelet (deprecated)
  'docker-only', 'enable-load-reader', 'docker-tls', 'storage-driver-secure', 'log-cadvisor-usage',
  // removed in past releases, still found on old nodes
  'allow-privileged', 'experimental-check-node-capabilities-before-mount',
  'experimental-kernel-memcg-notification', 'enable-cadvisor-json-endpoints',
  'redirect-container-streaming', 'docker-disable-shared-pid', 'experimental-dockershim',
  'really-crash-for-testing', 'containerized', 'require-kubeconfig', 'experimental-fail-swap-on',
  'enable-custom-metrics', 'babysit-daemons', 'enable-cri', 'experimental-cri',
  // global
  'help', 'version',
]);

/** Known value-taking flags: they consume the next argument whatever it looks like. */
export const KUBELET_VALUE_FLAGS: ReadonlySet<string> = new Set([
  'config', 'config-dir', 'kubeconfig', 'bootstrap-kubeconfig', 'hostname-override', 'node-ip',
  'cert-dir', 'cloud-provider', 'cloud-config', 'root-dir', 'node-labels', 'lock-file',
  'minimum-container-ttl-duration', 'maximum-dead-containers-per-container', 'maximum-dead-containers',
  'experimental-mounter-path', 'runtime-cgroups', 'pod-infra-container-image',
  'image-credential-provider-config', 'image-credential-provider-bin-dir', 'pod-manifest-path',
  'sync-frequency', 'file-check-frequency', 'http-check-frequency', 'manifest-url', 'manifest-url-header',
  'address', 'port', 'read-only-port', 'container-runtime-endpoint', 'image-service-endpoint',
  'authentication-token-webhook-cache-ttl', 'client-ca-file', 'authorization-mode',
  'authorization-webhook-cache-authorized-ttl', 'authorization-webhook-cache-unauthorized-ttl',
  'tls-cert-file', 'tls-private-key-file', 'tls-cipher-suites', 'tls-min-version', 'registry-qps',
  'registry-burst', 'event-qps', 'event-burst', 'healthz-port', 'healthz-bind-address', 'oom-score-adj',
  'cluster-domain', 'volume-plugin-dir', 'cluster-dns', 'streaming-connection-idle-timeout',
  'node-status-update-frequency', 'minimum-image-ttl-duration', 'image-gc-high-threshold',
  'image-gc-low-threshold', 'volume-stats-agg-period', 'feature-gates', 'kubelet-cgroups',
  'system-cgroups', 'provider-id', 'cgroup-driver', 'cgroup-root', 'cpu-manager-policy',
  'cpu-manager-policy-options', 'cpu-manager-reconcile-period', 'qos-reserved', 'topology-manager-policy',
  'runtime-request-timeout', 'hairpin-mode', 'max-pods', 'pod-cidr', 'pod-max-pids', 'resolv-conf',
  'cpu-cfs-quota-period', 'iptables-masquerade-bit', 'iptables-drop-bit', 'container-log-max-size',
  'container-log-max-files', 'allowed-unsafe-sysctls', 'node-status-max-images', 'max-open-files',
  'kube-api-content-type', 'kube-api-qps', 'kube-api-burst', 'eviction-hard', 'eviction-soft',
  'eviction-soft-grace-period', 'eviction-pressure-transition-period', 'eviction-max-pod-grace-period',
  'eviction-minimum-reclaim', 'pods-per-core', 'reserved-cpus', 'topology-manager-scope',
  'topology-manager-policy-options', 'system-reserved', 'kube-reserved', 'enforce-node-allocatable',
  'system-reserved-cgroup', 'kube-reserved-cgroup', 'memory-manager-policy', 'reserved-memory',
  'register-with-taints', 'windows-priorityclass',
  // logging
  'v', 'vmodule', 'log-flush-frequency', 'logging-format', 'log-text-info-buffer-size',
  'log-json-info-buffer-size', 'log-dir', 'log-file', 'log-file-max-size', 'stderrthreshold',
  'log-backtrace-at',
  // credential provider / cadvisor
  'azure-container-registry-config', 'docker-root', 'housekeeping-interval',
  // removed in past releases
  'network-plugin', 'cni-conf-dir', 'cni-bin-dir', 'cni-cache-dir', 'network-plugin-mtu',
  'non-masquerade-cidr', 'docker-endpoint', 'image-pull-progress-deadline', 'container-runtime',
  'experimental-dockershim-root-directory', 'dynamic-config-dir', 'seccomp-profile-root',
  'bootstrap-checkpoint-path', 'experimental-bootstrap-kubeconfig', 'api-servers', 'cadvisor-port',
]);

/** Single-letter shorthands the kubelet registers (klog's -v; pflag's -h for help). */
export const KUBELET_SHORTHANDS: Readonly<Record<string, string>> = { v: 'v', h: 'help' };
