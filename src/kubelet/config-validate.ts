/**
 * Checks a kubelet config file the way the kubelet will read it at start-up, so a plan never
 * writes a file that stops the kubelet. A file starting with `{` is decoded as strict JSON, any
 * other as YAML 1.1 (go-yaml v2, through sigs.k8s.io/yaml); only kubelet.config.k8s.io/v1beta1
 * KubeletConfiguration is accepted; a value of the wrong type, or a known field outside the
 * values the kubelet accepts, fails start-up. Unknown and duplicate fields do not (the kubelet
 * falls back to lenient decoding and ignores them), so they are warnings.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type ParsedNode, type YAMLMap } from 'yaml';

export interface ConfigValidation {
  format: 'json' | 'yaml';
  /** Problems that would stop the kubelet, each "file:line: ...". */
  errors: string[];
  /** Harmless but suspicious: unknown or duplicate fields. */
  warnings: string[];
}

type FieldSpec =
  /** apiVersion and kind: checked on their own, before anything else. */
  | { type: 'type-meta' }
  | { type: 'boolean' | 'string' | 'duration' | 'number' | 'list' | 'list-of-strings' | 'string-map' | 'bool-map' }
  | { type: 'integer'; min?: number; max?: number }
  | { type: 'enum'; values: string[] }
  /** `closed`: every field of the object is in this table, so others are reported as unknown. */
  | { type: 'object'; closed?: boolean };

const INT32 = { min: -2147483648, max: 2147483647 };
const PORT = { min: 1, max: 65535 };
const PORT_OR_OFF = { min: 0, max: 65535 };
const PERCENT = { min: 0, max: 100 };

/**
 * KubeletConfiguration v1beta1 (k8s.io/kubelet/config/v1beta1/types.go): every top-level field,
 * the authentication/authorization subtree in full, and the value ranges ValidateKubeletConfiguration
 * enforces for the ones a hardening tool touches. Maps of objects we do not check inside are `object`.
 */
const FIELDS: Record<string, FieldSpec> = {
  apiVersion: { type: 'type-meta' },
  kind: { type: 'type-meta' },
  enableServer: { type: 'boolean' },
  staticPodPath: { type: 'string' },
  podLogsDir: { type: 'string' },
  syncFrequency: { type: 'duration' },
  fileCheckFrequency: { type: 'duration' },
  httpCheckFrequency: { type: 'duration' },
  staticPodURL: { type: 'string' },
  staticPodURLHeader: { type: 'object' },
  address: { type: 'string' },
  port: { type: 'integer', ...PORT },
  readOnlyPort: { type: 'integer', ...PORT_OR_OFF },
  tlsCertFile: { type: 'string' },
  tlsPrivateKeyFile: { type: 'string' },
  tlsCipherSuites: { type: 'list-of-strings' },
  tlsCurvePreferences: { type: 'list' },
  tlsMinVersion: { type: 'string' },
  rotateCertificates: { type: 'boolean' },
  serverTLSBootstrap: { type: 'boolean' },
  authentication: { type: 'object', closed: true },
  'authentication.x509': { type: 'object', closed: true },
  'authentication.x509.clientCAFile': { type: 'string' },
  'authentication.webhook': { type: 'object', closed: true },
  'authentication.webhook.enabled': { type: 'boolean' },
  'authentication.webhook.cacheTTL': { type: 'duration' },
  'authentication.anonymous': { type: 'object', closed: true },
  'authentication.anonymous.enabled': { type: 'boolean' },
  authorization: { type: 'object', closed: true },
  'authorization.mode': { type: 'enum', values: ['AlwaysAllow', 'Webhook'] },
  'authorization.webhook': { type: 'object', closed: true },
  'authorization.webhook.cacheAuthorizedTTL': { type: 'duration' },
  'authorization.webhook.cacheUnauthorizedTTL': { type: 'duration' },
  registryPullQPS: { type: 'integer', min: 0, max: INT32.max },
  registryBurst: { type: 'integer', min: 0, max: INT32.max },
  imagePullCredentialsVerificationPolicy: { type: 'string' },
  preloadedImagesVerificationAllowlist: { type: 'list-of-strings' },
  eventRecordQPS: { type: 'integer', min: 0, max: INT32.max },
  eventBurst: { type: 'integer', min: 0, max: INT32.max },
  enableDebuggingHandlers: { type: 'boolean' },
  enableContentionProfiling: { type: 'boolean' },
  healthzPort: { type: 'integer', ...PORT_OR_OFF },
  healthzBindAddress: { type: 'string' },
  oomScoreAdj: { type: 'integer', min: -1000, max: 1000 },
  clusterDomain: { type: 'string' },
  clusterDNS: { type: 'list-of-strings' },
  streamingConnectionIdleTimeout: { type: 'duration' },
  nodeStatusUpdateFrequency: { type: 'duration' },
  nodeStatusReportFrequency: { type: 'duration' },
  nodeLeaseDurationSeconds: { type: 'integer', min: 1, max: INT32.max },
  imageMinimumGCAge: { type: 'duration' },
  imageMaximumGCAge: { type: 'duration' },
  imageGCHighThresholdPercent: { type: 'integer', ...PERCENT },
  imageGCLowThresholdPercent: { type: 'integer', ...PERCENT },
  volumeStatsAggPeriod: { type: 'duration' },
  kubeletCgroups: { type: 'string' },
  systemCgroups: { type: 'string' },
  cgroupRoot: { type: 'string' },
  cgroupsPerQOS: { type: 'boolean' },
  cgroupDriver: { type: 'enum', values: ['cgroupfs', 'systemd'] },
  cpuManagerPolicy: { type: 'string' },
  singleProcessOOMKill: { type: 'boolean' },
  cpuManagerPolicyOptions: { type: 'string-map' },
  cpuManagerReconcilePeriod: { type: 'duration' },
  draManagerReconcilePeriod: { type: 'duration' },
  memoryManagerPolicy: { type: 'enum', values: ['None', 'Static'] },
  topologyManagerPolicy: { type: 'enum', values: ['none', 'best-effort', 'restricted', 'single-numa-node'] },
  topologyManagerScope: { type: 'enum', values: ['container', 'pod'] },
  topologyManagerPolicyOptions: { type: 'string-map' },
  qosReserved: { type: 'string-map' },
  runtimeRequestTimeout: { type: 'duration' },
  hairpinMode: { type: 'enum', values: ['promiscuous-bridge', 'hairpin-veth', 'none'] },
  maxPods: { type: 'integer', min: 0, max: INT32.max },
  podCIDR: { type: 'string' },
  podPidsLimit: { type: 'integer' },
  resolvConf: { type: 'string' },
  runOnce: { type: 'boolean' },
  cpuCFSQuota: { type: 'boolean' },
  cpuCFSQuotaPeriod: { type: 'duration' },
  nodeStatusMaxImages: { type: 'integer', min: -1, max: INT32.max },
  maxOpenFiles: { type: 'integer', min: 0 },
  contentType: { type: 'string' },
  kubeAPIQPS: { type: 'integer', min: 0, max: INT32.max },
  kubeAPIBurst: { type: 'integer', min: 0, max: INT32.max },
  serializeImagePulls: { type: 'boolean' },
  maxParallelImagePulls: { type: 'integer', min: 1, max: INT32.max },
  evictionHard: { type: 'string-map' },
  evictionSoft: { type: 'string-map' },
  evictionSoftGracePeriod: { type: 'string-map' },
  evictionPressureTransitionPeriod: { type: 'duration' },
  evictionMaxPodGracePeriod: { type: 'integer', ...INT32 },
  evictionMinimumReclaim: { type: 'string-map' },
  mergeDefaultEvictionSettings: { type: 'boolean' },
  podsPerCore: { type: 'integer', min: 0, max: INT32.max },
  enableControllerAttachDetach: { type: 'boolean' },
  protectKernelDefaults: { type: 'boolean' },
  makeIPTablesUtilChains: { type: 'boolean' },
  iptablesMasqueradeBit: { type: 'integer', min: 0, max: 31 },
  iptablesDropBit: { type: 'integer', min: 0, max: 31 },
  featureGates: { type: 'bool-map' },
  failSwapOn: { type: 'boolean' },
  memorySwap: { type: 'object' },
  containerLogMaxSize: { type: 'string' },
  containerLogMaxFiles: { type: 'integer', min: 2, max: INT32.max },
  containerLogMaxWorkers: { type: 'integer', min: 1, max: INT32.max },
  containerLogMonitorInterval: { type: 'duration' },
  configMapAndSecretChangeDetectionStrategy: { type: 'enum', values: ['Get', 'Cache', 'Watch'] },
  systemReserved: { type: 'string-map' },
  kubeReserved: { type: 'string-map' },
  reservedSystemCPUs: { type: 'string' },
  showHiddenMetricsForVersion: { type: 'string' },
  systemReservedCgroup: { type: 'string' },
  kubeReservedCgroup: { type: 'string' },
  enforceNodeAllocatable: { type: 'list-of-strings' },
  allowedUnsafeSysctls: { type: 'list-of-strings' },
  volumePluginDir: { type: 'string' },
  providerID: { type: 'string' },
  kernelMemcgNotification: { type: 'boolean' },
  logging: { type: 'object' },
  enableSystemLogHandler: { type: 'boolean' },
  enableSystemLogQuery: { type: 'boolean' },
  shutdownGracePeriod: { type: 'duration' },
  shutdownGracePeriodCriticalPods: { type: 'duration' },
  shutdownGracePeriodByPodPriority: { type: 'list' },
  crashLoopBackOff: { type: 'object' },
  reservedMemory: { type: 'list' },
  enableProfilingHandler: { type: 'boolean' },
  enableDebugFlagsHandler: { type: 'boolean' },
  seccompDefault: { type: 'boolean' },
  memoryThrottlingFactor: { type: 'number' },
  memoryReservationPolicy: { type: 'string' },
  registerWithTaints: { type: 'list' },
  registerNode: { type: 'boolean' },
  tracing: { type: 'object' },
  localStorageCapacityIsolation: { type: 'boolean' },
  containerRuntimeEndpoint: { type: 'string' },
  imageServiceEndpoint: { type: 'string' },
  failCgroupV1: { type: 'boolean' },
  userNamespaces: { type: 'object' },
};

/** Misplaced fields seen in the wild; the CIS AKS text itself says authentication.mode. */
const CONFUSIONS: Record<string, string> = {
  'authentication.mode': 'authorization.mode',
  'authorization.enabled': 'authentication.webhook.enabled',
  'authentication.enabled': 'authentication.webhook.enabled',
};

const API_VERSION = 'kubelet.config.k8s.io/v1beta1';
const KIND = 'KubeletConfiguration';
/** time.ParseDuration's grammar. */
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

type ParsedPair = Pair<ParsedNode, ParsedNode | null>;

function lineOf(content: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < content.length; i++) if (content[i] === '\n') line++;
  return line;
}

function typeName(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (!isScalar(node)) return 'an alias';
  const v = node.value;
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v === 'number' ? 'the number' : typeof v === 'boolean' ? 'the boolean' : 'the value'} ${String(v)}`;
}

class Checker {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  constructor(
    private readonly file: string,
    private readonly content: string,
  ) {}

  private at(node: ParsedNode | null | undefined, fallback = 0): string {
    return `${this.file}:${lineOf(this.content, node?.range[0] ?? fallback)}`;
  }

  private error(node: ParsedNode | null | undefined, path: string, problem: string): void {
    this.errors.push(`${this.at(node)}: ${path}: ${problem}`);
  }

  /** Scalars: the kubelet's Go types refuse a value of another JSON type (YAML `"true"` is a string). */
  private scalar(node: ParsedNode, path: string, spec: FieldSpec): void {
    const v = isScalar(node) ? node.value : undefined;
    const found = typeName(node);
    switch (spec.type) {
      case 'boolean':
        if (typeof v !== 'boolean') this.error(node, path, `must be true or false, found ${found}`);
        return;
      case 'string':
        if (typeof v !== 'string') this.error(node, path, `must be a string, found ${found}`);
        return;
      case 'enum':
        if (typeof v !== 'string') this.error(node, path, `must be one of ${spec.values.join(', ')}, found ${found}`);
        else if (!spec.values.includes(v)) this.error(node, path, `must be one of ${spec.values.join(', ')} (case matters), found ${JSON.stringify(v)}`);
        return;
      case 'duration':
        if (typeof v !== 'string' || !GO_DURATION.test(v)) this.error(node, path, `must be a duration string such as "5m0s", found ${found}`);
        return;
      case 'number':
        if (typeof v !== 'number') this.error(node, path, `must be a number, found ${found}`);
        return;
      case 'integer': {
        const source = this.content.slice(node.range[0], node.range[1]);
        if (typeof v !== 'number' || !Number.isInteger(v) || /[.eE]/.test(source) && !/^0x/i.test(source)) {
          this.error(node, path, `must be a whole number, found ${found}`);
        } else if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
          this.error(node, path, `must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}, found ${v}`);
        }
        return;
      }
    }
  }

  check(node: ParsedNode | null, path: string, spec: FieldSpec): void {
    // JSON null leaves a Go field at its zero value: never a start-up failure.
    if (node === null || (isScalar(node) && node.value === null)) return;
    const label = path || 'the top level';
    switch (spec.type) {
      case 'type-meta':
        return;
      case 'object':
        if (!isMap(node)) return this.error(node, label, `must be a mapping, found ${typeName(node)}`);
        return this.mapping(node as YAMLMap.Parsed<ParsedNode, ParsedNode | null>, path, spec.closed === true);
      case 'list':
      case 'list-of-strings':
        if (!isSeq(node)) return this.error(node, path, `must be a list, found ${typeName(node)}`);
        if (spec.type === 'list-of-strings') {
          node.items.forEach((item, i) => {
            if (!isScalar(item) || typeof item.value !== 'string') this.error(item as ParsedNode, `${path}[${i}]`, `must be a string, found ${typeName(item as Node)}`);
          });
        }
        return;
      case 'string-map':
      case 'bool-map': {
        if (!isMap(node)) return this.error(node, path, `must be a mapping, found ${typeName(node)}`);
        const want = spec.type === 'string-map' ? 'string' : 'boolean';
        for (const pair of node.items as ParsedPair[]) {
          const v = pair.value;
          const key = isScalar(pair.key) ? String(pair.key.value) : '?';
          if (v !== null && !(isScalar(v) && (typeof v.value === want || v.value === null))) {
            this.error(v, `${path}.${key}`, `must be a ${want === 'string' ? 'string (quote numbers)' : 'boolean'}, found ${typeName(v)}`);
          }
        }
        return;
      }
      default:
        if (!isScalar(node)) return this.error(node, path, `must be a single value, found ${typeName(node)}`);
        this.scalar(node, path, spec);
    }
  }

  private mapping(map: YAMLMap.Parsed<ParsedNode, ParsedNode | null>, path: string, closed: boolean): void {
    const seen = new Map<string, ParsedNode>();
    for (const pair of map.items as ParsedPair[]) {
      const keyNode = pair.key;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        this.warnings.push(`${this.at(keyNode)}: ${path || 'the top level'} has a key that is not a string (${typeName(keyNode)}); the kubelet ignores it`);
        continue;
      }
      const key = keyNode.value;
      const full = path ? `${path}.${key}` : key;
      const earlier = seen.get(key);
      if (earlier) {
        this.warnings.push(`${this.at(keyNode)}: ${full} is set twice (also line ${lineOf(this.content, earlier.range[0])}); the kubelet uses the last one`);
      }
      seen.set(key, keyNode);
      const spec = FIELDS[full];
      if (spec) {
        this.check(pair.value, full, spec);
      } else if (closed) {
        const near = CONFUSIONS[full] ?? Object.keys(FIELDS).find((f) => f.toLowerCase() === full.toLowerCase());
        const hint = near ? `; did you mean ${near}?` : '';
        this.warnings.push(`${this.at(keyNode)}: unknown field ${full} (the kubelet ignores it${hint})`);
      }
    }
  }
}

/** V8 says "at position N" (Node 20) or "(line L column C)" (Node 22+). */
function jsonErrorLine(content: string, message: string): string {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return `${lc[1]}:${lc[2]}`;
  const pos = /at position (\d+)/.exec(message);
  if (!pos) return '1';
  const offset = Number(pos[1]);
  const line = lineOf(content, offset);
  const col = offset - content.lastIndexOf('\n', offset - 1);
  return `${line}:${col}`;
}

/** Checks `content` (the config file `file`) as the kubelet would load it. */
export function validateKubeletConfig(file: string, content: string): ConfigValidation {
  const format = /^\s*\{/.test(content) ? 'json' : 'yaml';
  const result: ConfigValidation = { format, errors: [], warnings: [] };
  if (content.trim() === '') {
    result.errors.push(`${file}:1: the file is empty; the kubelet refuses an empty config file`);
    return result;
  }
  if (format === 'json') {
    try {
      JSON.parse(content);
    } catch (e) {
      const message = (e as Error).message;
      result.errors.push(`${file}:${jsonErrorLine(content, message)}: not valid JSON: ${message}`);
      return result;
    }
  }
  const doc = parseDocument(content, { version: '1.1', uniqueKeys: false });
  const parseError = doc.errors[0];
  if (parseError) {
    const pos = parseError.linePos?.[0];
    const message = (parseError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    result.errors.push(`${file}:${pos ? `${pos.line}:${pos.col}` : '1'}: not valid YAML: ${message}`);
    return result;
  }
  const checker = new Checker(file, content);
  const root = doc.contents as ParsedNode | null;
  if (!isMap(root)) {
    result.errors.push(`${file}:1: the top level must be a mapping of fields, found ${typeName(root)}`);
    return result;
  }
  const rootMap = root as YAMLMap.Parsed<ParsedNode, ParsedNode | null>;
  for (const [field, expected] of [['apiVersion', API_VERSION], ['kind', KIND]] as const) {
    const pair = [...(rootMap.items as ParsedPair[])].reverse().find((p) => isScalar(p.key) && p.key.value === field);
    const v = pair?.value;
    if (!pair) result.errors.push(`${file}:1: ${field} is missing; it must be ${expected}`);
    else if (!isScalar(v) || v.value !== expected) {
      result.errors.push(`${file}:${lineOf(content, (v ?? pair.key).range[0])}: ${field} must be ${expected}, found ${typeName(v ?? null)}`);
    }
  }
  checker.check(root, '', { type: 'object', closed: true });
  result.errors.push(...checker.errors);
  result.warnings.push(...checker.warnings);
  return result;
}
