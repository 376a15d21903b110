// The kubelet stand-in (fleet/kubelet-standin/) that every fleet test trusts: its start-up must
// accept and refuse exactly what kubelet v1.29 does, with the kubelet's own messages, and
// write the effective configuration the way /configz serves it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const STANDIN_DIR = fileURLToPath(new URL('../../fleet/kubelet-standin/', import.meta.url));
const SCRIPT = join(STANDIN_DIR, 'kubelet.py');
const PYTHON = '/usr/bin/python3';
const KLOG_ERROR = /^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ run\.go:74\] "command failed" err=/;

// A throwaway self-signed CA certificate (no key): the kubelet only needs to parse it.
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBizCCATGgAwIBAgIUHYZC6iD6Ke93uClznQTU9ueuiWswCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPc3RhbmRpbi10ZXN0LWNhMCAXDTI2MTIwNDE3MDAzN1oYDzIx
MjYxMTEwMTcwMDM3WjAaMRgwFgYDVQQDDA9zdGFuZGluLXRlc3QtY2EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAATCR4e0M0sn/mSg5SGx4Z1yINHmAjs4QrwDHCeT
yxu3thamdSVf5RzeoVuJdfLSKt0wRiDNYWCFE6IXD3VGmfBVo1MwUTAdBgNVHQ4E
FgQUt8qGNx5ogxeGa8N0nUxsrWq6dEowHwYDVR0jBBgwFoAUt8qGNx5ogxeGa8N0
nUxsrWq6dEowDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAGgxWa
cVh3g9FgFN7ARoF38O+xaI9KVVYTM/ZXQrGxCgIhAMCMmpDH3h5/LwWqrBwAMr4q
KtxSkpYAb80SPqLnEuCQ
-----END CERTIFICATE-----
`;

const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';

type Json = Record<string, unknown>;

interface Started {
  status: number | null;
  stderr: string;
  stdout: string;
  /** kubeletconfig from configz.json, or undefined if none was written */
  configz: Json | undefined;
  /** the `err=` value of the "command failed" line, unquoted, or undefined */
  failure: string | undefined;
}

let root: string;
let caFile: string;
let n = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kubelet-standin-'));
  caFile = join(root, 'ca.crt');
  writeFileSync(caFile, CA_PEM);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh directory for one start: files to write (relative name → content) and the run dir. */
function workdir(files: Record<string, string> = {}): string {
  const dir = join(root, `case-${++n}`);
  mkdirSync(join(dir, 'run'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** The stand-in's test-only knobs: configz.json under dir/run, no start-up delays. */
function runDirEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env, KUBELET_STANDIN_RUN_DIR: join(dir, 'run'), KUBELET_STANDIN_TIMESCALE: '0', PYTHONDONTWRITEBYTECODE: '1',
  };
  delete env['KUBELET_CONFIG_DROPIN_DIR_ALPHA'];
  return { ...env, ...extra };
}

/** The klog `err="..."` value (one-line form, unquoted) or the `err=<` block. */
function failureOf(stderr: string): string | undefined {
  const lines = stderr.split('\n');
  const i = lines.findIndex((l) => KLOG_ERROR.test(l));
  if (i < 0) return undefined;
  const line = lines[i]!;
  const value = line.slice(line.indexOf('err=') + 4);
  if (value === '<') {
    const block: string[] = [];
    for (const l of lines.slice(i + 1)) {
      if (l === ' >') break;
      block.push(l.replace(/^\t/, ''));
    }
    return block.join('\n');
  }
  return JSON.parse(value) as string;
}

function kubelet(dir: string, args: string[], extraEnv: Record<string, string> = {}): Started {
  const r = spawnSync(PYTHON, [SCRIPT, '/usr/bin/kubelet', ...args], { cwd: dir, env: runDirEnv(dir, extraEnv), encoding: 'utf8' });
  const configzPath = join(dir, 'run', 'configz.json');
  const configz = existsSync(configzPath)
    ? ((JSON.parse(readFileSync(configzPath, 'utf8')) as { kubeletconfig: Json }).kubeletconfig)
    : undefined;
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, configz, failure: failureOf(r.stderr) };
}

function at(obj: Json | undefined, path: string): unknown {
  let node: unknown = obj;
  for (const part of path.split('.')) node = (node as Json | undefined)?.[part];
  return node;
}

/** authorization.mode, webhook authn, anonymous, readOnlyPort as /configz has them. */
function auth(c: Json | undefined): [unknown, unknown, unknown, unknown] {
  return [at(c, 'authorization.mode'), at(c, 'authentication.webhook.enabled'), at(c, 'authentication.anonymous.enabled'), at(c, 'readOnlyPort')];
}

const KUBECONFIG = ['--kubeconfig', '/var/lib/kubelet/kubeconfig'];

describe('command line, parsed as pflag does', () => {
  it('reads --k=v and --k v the same way', () => {
    const a = kubelet(workdir(), [...KUBECONFIG, '--authorization-mode=Webhook', '--authentication-token-webhook']);
    const b = kubelet(workdir(), [...KUBECONFIG, '--authorization-mode', 'Webhook', '--authentication-token-webhook']);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(auth(a.configz)).toEqual(['Webhook', true, true, 10255]);
    expect(auth(b.configz)).toEqual(auth(a.configz));
  });

  it('takes booleans only as --k or --k=value; --anonymous-auth false leaves a stray argument', () => {
    const bare = kubelet(workdir(), [...KUBECONFIG, '--anonymous-auth', '--authorization-mode=AlwaysAllow']);
    expect(at(bare.configz, 'authentication.anonymous.enabled')).toBe(true);
    const off = kubelet(workdir(), [...KUBECONFIG, '--anonymous-auth=false']);
    expect(at(off.configz, 'authentication.anonymous.enabled')).toBe(false);

    const stray = kubelet(workdir(), [...KUBECONFIG, '--anonymous-auth', 'false']);
    expect(stray.status).toBe(1);
    expect(stray.failure).toBe('unknown command false');
    expect(stray.configz).toBeUndefined();
    // pflag had already set the flag (to true) and warned, before the stray argument failed the start
    expect(stray.stderr).toContain("Flag --anonymous-auth has been deprecated, This parameter should be set via the config file specified by the Kubelet's --config flag.");
  });

  it('refuses an unknown flag with the kubelet\'s own error line', () => {
    const r = kubelet(workdir(), [...KUBECONFIG, '--no-such-flag=true']);
    expect(r.status).toBe(1);
    const line = r.stderr.split('\n').find((l) => KLOG_ERROR.test(l));
    expect(line).toMatch(/ run\.go:74\] "command failed" err="failed to parse kubelet flag: unknown flag: --no-such-flag"$/);
    expect(r.configz).toBeUndefined();
  });

  it('refuses a value of the wrong type and a missing argument, with pflag\'s wording', () => {
    expect(kubelet(workdir(), ['--max-pods=abc']).failure).toBe(
      'failed to parse kubelet flag: invalid argument "abc" for "--max-pods" flag: strconv.ParseInt: parsing "abc": invalid syntax');
    expect(kubelet(workdir(), ['--read-only-port']).failure).toBe('failed to parse kubelet flag: flag needs an argument: --read-only-port');
    expect(kubelet(workdir(), ['--anonymous-auth=yes']).failure).toBe(
      'failed to parse kubelet flag: invalid argument "yes" for "--anonymous-auth" flag: strconv.ParseBool: parsing "yes": invalid syntax');
  });

  it('lets the last of a repeated flag win, while list flags accumulate', () => {
    const r = kubelet(workdir(), [...KUBECONFIG, '--authorization-mode=AlwaysAllow', '--max-pods=5', '--cluster-dns=10.0.0.1',
      '--authorization-mode', 'Webhook', '--max-pods', '7', '--cluster-dns=10.0.0.2,10.0.0.3']);
    expect(r.status).toBe(0);
    expect(at(r.configz, 'authorization.mode')).toBe('Webhook');
    expect(at(r.configz, 'maxPods')).toBe(7);
    expect(at(r.configz, 'clusterDNS')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('accepts -v and --v, and normalises underscores in flag names', () => {
    for (const args of [['-v=3'], ['-v', '3'], ['--v=3'], ['-v3']]) {
      const r = kubelet(workdir(), [...KUBECONFIG, '--authorization-mode=AlwaysAllow', ...args]);
      expect(at(r.configz, 'logging.verbosity')).toBe(3);
    }
    const r = kubelet(workdir(), [...KUBECONFIG, '--authorization_mode=AlwaysAllow', '--read_only_port=0']);
    expect(auth(r.configz)).toEqual(['AlwaysAllow', false, true, undefined]);
  });

  it('logs every flag at -v 1 and up, showing the flag values and not the config file\'s', () => {
    const dir = workdir({ 'c.yaml': HEAD + 'authorization:\n  mode: Webhook\n' });
    const quiet = kubelet(dir, [...KUBECONFIG, '--config', 'c.yaml']);
    expect(quiet.stderr).not.toContain('FLAG:');
    const loud = kubelet(dir, [...KUBECONFIG, '--config', 'c.yaml', '--v=2']);
    const flagLines = loud.stderr.split('\n').filter((l) => / flags\.go:64\] FLAG: /.test(l));
    expect(flagLines.length).toBeGreaterThan(150);
    const names = flagLines.map((l) => l.replace(/.*FLAG: --([^=]*)=.*/, '$1'));
    expect(names).toEqual([...names].sort());
    expect(loud.stderr).toMatch(/ flags\.go:64\] FLAG: --v="2"\n/);
    expect(loud.stderr).toMatch(/ flags\.go:64\] FLAG: --config="c\.yaml"\n/);
    // the flag itself still holds its legacy default; the file's Webhook is what runs
    expect(loud.stderr).toMatch(/ flags\.go:64\] FLAG: --authorization-mode="AlwaysAllow"\n/);
    expect(at(loud.configz, 'authorization.mode')).toBe('Webhook');
  });
});

describe('--config file', () => {
  it('loads JSON and YAML, logs the start like the kubelet and writes /configz', () => {
    const json = JSON.stringify({
      kind: 'KubeletConfiguration', apiVersion: 'kubelet.config.k8s.io/v1beta1',
      authentication: { x509: { clientCAFile: caFile }, webhook: { enabled: true }, anonymous: {} },
      authorization: { mode: 'Webhook', webhook: {} }, maxPods: 29, readOnlyPort: 0,
    }, null, 2);
    const yaml = HEAD + `authentication:\n  x509:\n    clientCAFile: ${caFile}\nmaxPods: 29\n`;
    for (const [name, content] of [['k.json', json], ['k.yaml', yaml]] as const) {
      const r = kubelet(workdir({ [name]: content }), [...KUBECONFIG, '--config', name]);
      expect(r.status).toBe(0);
      expect(auth(r.configz)).toEqual(['Webhook', true, false, undefined]);
      expect(at(r.configz, 'maxPods')).toBe(29);
      expect(at(r.configz, 'authentication.x509.clientCAFile')).toBe(caFile);
      expect(r.stderr).toMatch(/ server\.go:487\] "Kubelet version" kubeletVersion="v1\.29\.3"\n/);
      expect(r.stderr).toContain(`"Loaded kubelet config" path="${name}"`);
      expect(r.stderr).toMatch(/ server\.go:\d+\] "Started kubelet server" address="0\.0\.0\.0" port=10250 anonymousAuth=false webhookAuthn=true authorizationMode="Webhook" readOnlyPort=0\n/);
      expect(r.stderr).toMatch(/ server\.go:1256\] "Started kubelet"\n/);
    }
  });

  it('serves /configz as the v1beta1 struct: no TypeMeta, readOnlyPort omitted when 0, durations as Go prints them', () => {
    const dir = workdir({ 'c.yaml': HEAD + 'authentication:\n  webhook:\n    cacheTTL: 120s\nstreamingConnectionIdleTimeout: 5m\n' });
    const r = kubelet(dir, [...KUBECONFIG, '--config', 'c.yaml']);
    const raw = readFileSync(join(dir, 'run', 'configz.json'), 'utf8');
    expect(raw.startsWith('{"kubeletconfig":{"enableServer":true,"syncFrequency":"1m0s",')).toBe(true);
    expect(r.configz).not.toHaveProperty('kind');
    expect(r.configz).not.toHaveProperty('apiVersion');
    expect(r.configz).not.toHaveProperty('readOnlyPort');
    expect(at(r.configz, 'authentication.webhook.cacheTTL')).toBe('2m0s');
    expect(at(r.configz, 'streamingConnectionIdleTimeout')).toBe('5m0s');
  });

  it('reports a JSON syntax error as encoding/json does (the codec sends "{" documents to the JSON serializer)', () => {
    const bad = '{\n  "kind": "KubeletConfiguration",\n  "apiVersion": "kubelet.config.k8s.io/v1beta1",\n  "readOnlyPort": 0,,\n  "maxPods": 29\n}\n';
    const dir = workdir({ 'c.json': bad });
    const path = join(dir, 'c.json');
    const r = kubelet(dir, [...KUBECONFIG, '--config', path]);
    expect(r.status).toBe(1);
    expect(r.failure).toBe(`failed to load kubelet config file, path: ${path}, error: failed to load Kubelet config file ${path}, error failed to decode: couldn't get version/kind; json parse error: invalid character ',' looking for beginning of object key string`);
    expect(r.configz).toBeUndefined();
    // a JSON document cut short
    expect(kubelet(workdir({ c: '{"kind": "KubeletConfiguration"' }), ['--config', 'c']).failure)
      .toMatch(/json parse error: unexpected end of JSON input$/);
  });

  it('reports a YAML syntax error through the YAML-to-JSON converter with go-yaml\'s line', () => {
    const unterminated = kubelet(workdir({ 'c.yaml': HEAD + 'maxPods: 29\nresolvConf: "/run/systemd/resolve/resolv.conf\n' }), ['--config', 'c.yaml']);
    expect(unterminated.failure).toBe('failed to load kubelet config file, path: c.yaml, error: failed to load Kubelet config file c.yaml, error failed to decode: error converting YAML to JSON: yaml: line 5: found unexpected end of stream');
    const indent = kubelet(workdir({ 'c.yaml': HEAD + 'authorization:\n  mode: Webhook\n webhook: {}\n' }), ['--config', 'c.yaml']);
    expect(indent.failure).toMatch(/error converting YAML to JSON: yaml: line 4: did not find expected key$/);
    const colon = kubelet(workdir({ 'c.yaml': HEAD + 'maxPods: 29: 30\n' }), ['--config', 'c.yaml']);
    expect(colon.failure).toMatch(/error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this context$/);
  });

  it('accepts only kubelet.config.k8s.io/v1beta1 KubeletConfiguration', () => {
    expect(kubelet(workdir({ 'c.yaml': 'apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n' }), ['--config', 'c.yaml']).failure)
      .toBe('failed to load kubelet config file, path: c.yaml, error: failed to load Kubelet config file c.yaml, error failed to decode: '
        + 'no kind "KubeletConfiguration" is registered for version "kubelet.config.k8s.io/v1" in scheme "pkg/kubelet/apis/config/scheme/scheme.go:33"');
    expect(kubelet(workdir({ 'c.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeProxyConfiguration\n' }), ['--config', 'c.yaml']).failure)
      .toMatch(/failed to decode: no kind "KubeProxyConfiguration" is registered for version "kubelet\.config\.k8s\.io\/v1beta1"/);
    expect(kubelet(workdir({ 'c.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nmaxPods: 3\n' }), ['--config', 'c.yaml']).failure)
      .toBe("failed to load kubelet config file, path: c.yaml, error: failed to load Kubelet config file c.yaml, error failed to decode: Object 'Kind' is missing in 'apiVersion: kubelet.config.k8s.io/v1beta1\nmaxPods: 3\n'");
    expect(kubelet(workdir({ 'c.json': '{"kind": "KubeletConfiguration"}' }), ['--config', 'c.json']).failure)
      .toMatch(/failed to decode: Object 'apiVersion' is missing in '\{"kind": "KubeletConfiguration"\}'$/);
  });

  it('fails on a value of the wrong type with the Go decoder\'s message', () => {
    const cases: [string, string][] = [
      ['{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1","maxPods":"x"}',
        'json: cannot unmarshal string into Go struct field KubeletConfiguration.maxPods of type int32'],
      ['{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1","authentication":{"webhook":{"enabled":"yes"}}}',
        'json: cannot unmarshal string into Go struct field KubeletWebhookAuthentication.authentication.webhook.enabled of type bool'],
      ['{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1","authorization":{"mode":5}}',
        'json: cannot unmarshal number into Go struct field KubeletAuthorization.authorization.mode of type v1beta1.KubeletAuthorizationMode'],
      [HEAD + 'readOnlyPort: a\n', 'json: cannot unmarshal string into Go struct field KubeletConfiguration.readOnlyPort of type int32'],
      [HEAD + 'syncFrequency: 5 minutes\n', 'time: unknown unit " minutes" in duration "5 minutes"'],
      [HEAD + 'syncFrequency: fast\n', 'time: invalid duration "fast"'],
    ];
    for (const [content, message] of cases) {
      const r = kubelet(workdir({ c: content }), [...KUBECONFIG, '--config', 'c']);
      expect(r.status).toBe(1);
      expect(r.failure).toBe(`failed to load kubelet config file, path: c, error: failed to load Kubelet config file c, error failed to decode: ${message}`);
    }
  });

  it('reads YAML scalars as go-yaml v2 does: yes is a bool, a quoted "yes" is not', () => {
    const ok = kubelet(workdir({ c: HEAD + 'authentication:\n  webhook:\n    enabled: yes\n' }), [...KUBECONFIG, '--config', 'c']);
    expect(at(ok.configz, 'authentication.webhook.enabled')).toBe(true);
    const bad = kubelet(workdir({ c: HEAD + 'authentication:\n  webhook:\n    enabled: "yes"\n' }), [...KUBECONFIG, '--config', 'c']);
    expect(bad.failure).toMatch(/cannot unmarshal string into Go struct field KubeletWebhookAuthentication\.authentication\.webhook\.enabled of type bool$/);
  });

  it('ignores unknown and duplicate fields after logging that strict decoding failed', () => {
    const r = kubelet(workdir({ c: HEAD + 'authorization:\n  mdoe: AlwaysAllow\nmaxPods: 20\nmaxPods: 30\n' }), [...KUBECONFIG, '--config', 'c']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/ codec\.go:\d+\] "Using lenient decoding as strict decoding failed" err=</);
    expect(r.stderr).toContain('line 6: key "maxPods" already set in map, unknown field "authorization.mdoe"');
    // the misspelt key does nothing: the secure default stays
    expect(at(r.configz, 'authorization.mode')).toBe('Webhook');
    expect(at(r.configz, 'maxPods')).toBe(30);
  });

  it('refuses an empty, missing or unreadable file', () => {
    const dir = workdir({ empty: '' });
    expect(kubelet(dir, ['--config', 'empty']).failure)
      .toBe(`failed to load kubelet config file, path: empty, error: failed to load Kubelet config file empty, error kubelet config file "${join(dir, 'empty')}" was empty`);
    expect(kubelet(workdir(), ['--config', '/no/such/file.yaml']).failure)
      .toBe('failed to load kubelet config file, path: /no/such/file.yaml, error: failed to load Kubelet config file /no/such/file.yaml, error failed to read kubelet config file "/no/such/file.yaml", error: open /no/such/file.yaml: no such file or directory');
  });

  it('refuses an authorization mode other than AlwaysAllow or Webhook, case-sensitively, from file or flag', () => {
    const file = (mode: string) => kubelet(workdir({ c: HEAD + `authorization:\n  mode: ${mode}\n` }), [...KUBECONFIG, '--config', 'c']);
    expect(file('RBAC').failure).toBe('failed to run Kubelet: unknown authorization mode RBAC');
    expect(file('webhook').failure).toBe('failed to run Kubelet: unknown authorization mode webhook');
    expect(file('RBAC').configz).toBeUndefined();
    expect(file('AlwaysAllow').status).toBe(0);
    const good = workdir({ c: HEAD });
    expect(kubelet(good, [...KUBECONFIG, '--config', 'c', '--authorization-mode=RBAC']).failure).toBe('failed to run Kubelet: unknown authorization mode RBAC');
    expect(kubelet(good, [...KUBECONFIG, '--config', 'c', '--authorization-mode=']).failure).toBe('failed to run Kubelet: no authorization mode specified');
    // an empty mode in the file is only a missing field: it defaults to Webhook
    expect(at(file('""').configz, 'authorization.mode')).toBe('Webhook');
    // the failure comes after the version line, as the kubelet fails building its authorizer
    const r = file('RBAC');
    expect(r.stderr.indexOf('"Kubelet version"')).toBeLessThan(r.stderr.indexOf('"command failed"'));
  });

  it('loads the client CA bundle and needs an API client for webhook authn/authz', () => {
    const missing = kubelet(workdir({ c: HEAD + 'authentication:\n  x509:\n    clientCAFile: /no/ca.crt\n' }), [...KUBECONFIG, '--config', 'c']);
    expect(missing.failure).toBe('failed to run Kubelet: open /no/ca.crt: no such file or directory');
    const notPem = kubelet(workdir({ c: HEAD + 'authentication:\n  x509:\n    clientCAFile: ca\n', ca: 'hello\n' }), [...KUBECONFIG, '--config', 'c']);
    // relative paths in the file are relative to the file's directory
    expect(notPem.failure).toMatch(/^failed to run Kubelet: error loading CA bundle for "client-ca-bundle::\/.*\/ca": data does not contain any valid RSA or ECDSA certificates$/);
    const standalone = kubelet(workdir({ c: HEAD }), ['--config', 'c']);
    expect(standalone.failure).toBe('failed to run Kubelet: no client provided, cannot use webhook authentication');
  });
});

describe('what the kubelet opens after start-up', () => {
  it('exits 1 when its serving pair cannot be loaded, unless it bootstraps a serving certificate', () => {
    const tls = ['--tls-cert-file=/no/kubelet.crt', '--tls-private-key-file=/no/kubelet.key', '--authorization-mode=AlwaysAllow'];
    const r = kubelet(workdir(), [...KUBECONFIG, ...tls]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ server\.go:\d+\] "Failed to listen and serve" err="open \/no\/kubelet\.crt: no such file or directory"\n/);
    expect(r.stderr.indexOf('"Started kubelet"')).toBeLessThan(r.stderr.indexOf('"Failed to listen and serve"'));
    expect(r.configz).toBeUndefined();
    expect(kubelet(workdir(), [...KUBECONFIG, ...tls, '--rotate-server-certificates']).status).toBe(0);
    // with no serving pair at all it self-signs one into --cert-dir, which /configz then shows
    const selfSigned = kubelet(workdir(), [...KUBECONFIG, '--authorization-mode=AlwaysAllow', '--cert-dir=/pki']);
    expect([at(selfSigned.configz, 'tlsCertFile'), at(selfSigned.configz, 'tlsPrivateKeyFile')]).toEqual(['/pki/kubelet.crt', '/pki/kubelet.key']);
  });

  it('refuses node labels in the kubernetes.io namespace that a kubelet may not set', () => {
    const r = kubelet(workdir(), [...KUBECONFIG, '--node-labels=node-role.kubernetes.io/worker=,kubernetes.io/os=linux']);
    expect(r.failure).toMatch(/^failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: \[node-role\.kubernetes\.io\/worker\]\n--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix \(kubelet\.kubernetes\.io, node\.kubernetes\.io\)/);
    expect(kubelet(workdir(), [...KUBECONFIG, '--authorization-mode=AlwaysAllow', '--node-labels=node.kubernetes.io/role=w,team=a']).status).toBe(0);
  });
});

describe('defaults and precedence', () => {
  it('defaults secure with a config file and insecure (legacy flag defaults) without one', () => {
    const withFile = kubelet(workdir({ c: HEAD }), [...KUBECONFIG, '--config', 'c']);
    expect(auth(withFile.configz)).toEqual(['Webhook', true, false, undefined]);
    expect(at(withFile.configz, 'authentication.webhook.cacheTTL')).toBe('2m0s');
    expect(at(withFile.configz, 'authorization.webhook')).toEqual({ cacheAuthorizedTTL: '5m0s', cacheUnauthorizedTTL: '30s' });
    expect(at(withFile.configz, 'port')).toBe(10250);
    expect(at(withFile.configz, 'address')).toBe('0.0.0.0');

    const flagsOnly = kubelet(workdir(), [...KUBECONFIG]);
    expect(flagsOnly.status).toBe(0);
    expect(auth(flagsOnly.configz)).toEqual(['AlwaysAllow', false, true, 10255]);
    expect(flagsOnly.stderr).toContain('"Started kubelet server" address="0.0.0.0" port=10250 anonymousAuth=true webhookAuthn=false authorizationMode="AlwaysAllow" readOnlyPort=10255');
    expect(flagsOnly.stderr).toMatch(/"Starting to listen read-only" address="0\.0\.0\.0" port=10255/);
  });

  it('applies command-line flags over the file', () => {
    const r = kubelet(workdir({ c: HEAD + 'authorization:\n  mode: Webhook\nreadOnlyPort: 0\nmaxPods: 29\n' }),
      [...KUBECONFIG, '--config', 'c', '--authorization-mode=AlwaysAllow', '--read-only-port=10255', '--anonymous-auth']);
    expect(auth(r.configz)).toEqual(['AlwaysAllow', true, true, 10255]);
    expect(at(r.configz, 'maxPods')).toBe(29);
  });

  it('merges --config-dir drop-ins in order over the file, under the flags', () => {
    const dir = workdir({
      c: HEAD + 'authorization:\n  mode: Webhook\nclusterDNS: [10.0.0.10]\nevictionHard:\n  memory.available: 100Mi\n',
      'd/10-allow.conf': HEAD + 'authorization:\n  mode: AlwaysAllow\nclusterDNS: [1.1.1.1, 2.2.2.2]\nevictionHard:\n  nodefs.available: 5%\n',
      'd/20-webhook.conf': JSON.stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', authorization: { mode: 'Webhook' }, clusterDNS: ['9.9.9.9'] }),
      'd/30-ignored.yaml': HEAD + 'maxPods: 1\n',
    });
    const env = { KUBELET_CONFIG_DROPIN_DIR_ALPHA: 'on' };
    const r = kubelet(dir, [...KUBECONFIG, '--config', 'c', '--config-dir', 'd'], env);
    expect(r.status).toBe(0);
    expect(at(r.configz, 'authorization.mode')).toBe('Webhook');
    expect(at(r.configz, 'clusterDNS')).toEqual(['9.9.9.9']); // lists are replaced
    expect(at(r.configz, 'evictionHard')).toEqual({ 'memory.available': '100Mi', 'nodefs.available': '5%' }); // maps merge
    expect(at(r.configz, 'maxPods')).toBe(110);
    const flag = kubelet(dir, [...KUBECONFIG, '--config', 'c', '--config-dir', 'd', '--authorization-mode=AlwaysAllow'], env);
    expect(at(flag.configz, 'authorization.mode')).toBe('AlwaysAllow');
  });

  it('needs KUBELET_CONFIG_DROPIN_DIR_ALPHA for --config-dir (1.28-1.29) and apiVersion/kind in every drop-in', () => {
    const dir = workdir({ c: HEAD, 'd/10.conf': 'maxPods: 7\n' });
    expect(kubelet(dir, [...KUBECONFIG, '--config', 'c', '--config-dir', 'd']).failure)
      .toBe('flag d specified but environment variable KUBELET_CONFIG_DROPIN_DIR_ALPHA not set, cannot start kubelet');
    expect(kubelet(dir, [...KUBECONFIG, '--config', 'c', '--config-dir', 'd'], { KUBELET_CONFIG_DROPIN_DIR_ALPHA: '' }).failure)
      .toBe('failed to merge kubelet configs: failed to walk through kubelet dropin directory "d": failed to load kubelet dropin file, path: d/10.conf, no apiVersion/kind');
  });
});

describe('configz lifecycle', () => {
  it('removes a stale configz.json when a start fails, and leaves it alone for --version', () => {
    const dir = workdir();
    const stale = join(dir, 'run', 'configz.json');
    writeFileSync(stale, '{"kubeletconfig":{"authorization":{"mode":"Webhook"}}}');
    const version = kubelet(dir, ['--version']);
    expect(version.status).toBe(125);
    expect(version.stdout).toBe('Kubernetes v1.29.3\n');
    expect(existsSync(stale)).toBe(true);
    const r = kubelet(dir, [...KUBECONFIG, '--authorization-mode=RBAC']);
    expect(r.status).toBe(1);
    expect(existsSync(stale)).toBe(false);
  });
});

describe('kubelet-launcher (the MainPID)', () => {
  let launcher: string;

  beforeAll(() => {
    launcher = join(root, 'bin', 'kubelet');
    mkdirSync(join(root, 'bin'));
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-Werror', '-o', launcher, join(STANDIN_DIR, 'kubelet-launcher.c')], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    expect(cc.status).toBe(0);
  });

  function launch(dir: string, args: string[]) {
    const env = { ...runDirEnv(dir), KUBELET_STANDIN_SCRIPT: SCRIPT };
    const child = spawn(launcher, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })));
    return { child, exited, stderr: () => stderr };
  }

  async function waitFor(cond: () => boolean, ms = 10_000): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (cond()) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return cond();
  }

  it('stays running with the exact argv in /proc/PID/cmdline, and SIGTERM removes configz and exits 0', async () => {
    const dir = workdir({ c: HEAD });
    const args = [...KUBECONFIG, '--config', 'c', '--node-labels=a=b,c=d', '--v=2'];
    const k = launch(dir, args);
    const configz = join(dir, 'run', 'configz.json');
    expect(await waitFor(() => existsSync(configz))).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(k.child.exitCode).toBeNull();
    const cmdline = readFileSync(`/proc/${k.child.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    expect(cmdline).toEqual([launcher, ...args]);
    // the kubelet's log lines carry the MainPID, as the journal shows them
    expect(k.stderr()).toMatch(new RegExp(`^I\\d{4} [0-9:.]+ +${k.child.pid} server\\.go:1256\\] "Started kubelet"$`, 'm'));
    k.child.kill('SIGTERM');
    expect(await k.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(configz)).toBe(false);
  });

  it('exits 1 when the configuration is broken, writing no configz', async () => {
    const dir = workdir({ c: '{"kind": "KubeletConfiguration",, }' });
    const k = launch(dir, [...KUBECONFIG, '--config', 'c']);
    expect(await k.exited).toEqual({ code: 1, signal: null });
    expect(failureOf(k.stderr())).toMatch(/json parse error: invalid character ',' looking for beginning of object key string$/);
    expect(existsSync(join(dir, 'run', 'configz.json'))).toBe(false);
  });

  it('exits 0 at once for --version, like the kubelet', async () => {
    const k = launch(workdir(), ['--version']);
    expect(await k.exited).toEqual({ code: 0, signal: null });
  });
});
