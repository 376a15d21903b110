// The test fleet itself: every layout/scenario boots into the kubelet state a real node would be
// in, reached over real ssh as azureuser with strict host keys, real sudo, and nothing left
// behind after stop. Expected values come from kubelet and systemd semantics
// (shared/reference/kubelet-and-node-layouts.md), written out here, not read from the layouts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, type NodeSpec, FLEET_SH, fleetSh, run, startFleet } from './fleet.js';

type Layout = 'aks-flags' | 'aks-config' | 'eks' | 'kubeadm' | 'flags-only';

const SCENARIOS: Record<Layout, string[]> = {
  'aks-flags': ['compliant', 'flag-alwaysallow', 'flag-space', 'auth-missing', 'duplicate-flag', 'envfile-overrides-dropin'],
  'aks-config': ['compliant', 'file-alwaysallow', 'flag-alwaysallow', 'flag-space', 'both', 'auth-missing', 'duplicate-flag', 'broken-config'],
  eks: ['compliant', 'file-alwaysallow', 'flag-alwaysallow', 'flag-space', 'both', 'auth-missing', 'duplicate-flag', 'broken-config'],
  kubeadm: ['compliant', 'file-alwaysallow', 'flag-alwaysallow', 'flag-space', 'both', 'auth-missing', 'duplicate-flag', 'broken-config'],
  'flags-only': ['compliant', 'flag-alwaysallow', 'flag-space', 'auth-missing', 'duplicate-flag'],
};
const SHORT: Record<Layout, string> = { 'aks-flags': 'af', 'aks-config': 'ac', eks: 'eks', kubeadm: 'kadm', 'flags-only': 'fo' };
const CONFIG_FILE: Partial<Record<Layout, string>> = {
  'aks-config': '/etc/default/kubeletconfig.json',
  eks: '/etc/kubernetes/kubelet/kubelet-config.json',
  kubeadm: '/var/lib/kubelet/config.yaml',
};

interface Auth { mode: string; webhook: boolean }

/** authorization.mode and authentication.webhook.enabled the kubelet ends up with, or 'failing'. */
function expectedAuth(layout: Layout, scenario: string): Auth | 'failing' {
  const hasConfig = CONFIG_FILE[layout] !== undefined;
  switch (scenario) {
    case 'compliant': return { mode: 'Webhook', webhook: true };
    case 'file-alwaysallow': case 'both': return { mode: 'AlwaysAllow', webhook: false };
    // Only --authorization-mode is bad: webhook authn stays as the file or flag has it.
    case 'flag-alwaysallow': case 'flag-space': case 'duplicate-flag': case 'envfile-overrides-dropin':
      return { mode: 'AlwaysAllow', webhook: true };
    // With --config absent fields default secure; without it the legacy defaults are insecure.
    case 'auth-missing': return hasConfig ? { mode: 'Webhook', webhook: true } : { mode: 'AlwaysAllow', webhook: false };
    case 'broken-config': return 'failing';
    default: throw new Error(`no expectation for ${scenario}`);
  }
}

const AKS_LABELS = '--node-labels=agentpool=nodepool1,kubernetes.azure.com/agentpool=nodepool1,kubernetes.azure.com/mode=system,kubernetes.azure.com/role=agent,kubernetes.azure.com/os-sku=Ubuntu';
const AKS_AUTH_FLAGS = ['--anonymous-auth=false', '--authentication-token-webhook=true', '--authorization-mode=Webhook', '--client-ca-file=/etc/kubernetes/certs/ca.crt', '--read-only-port=0'];
const FO_AUTH_FLAGS = ['--anonymous-auth=false', '--authentication-token-webhook=true', '--authorization-mode=Webhook', '--client-ca-file=/etc/kubernetes/pki/ca.crt', '--read-only-port=0'];

/** The argv systemd must give the kubelet for a compliant node: ExecStart with $VAR split on
 * whitespace, ${VAR} inside a word kept whole, empty $VAR dropped, EnvironmentFile= winning. */
function compliantArgv(layout: Layout, name: string, address: string): string[] {
  const aksCommon = ['--enable-server', AKS_LABELS, '--v=2', '--volume-plugin-dir=/etc/kubernetes/volumeplugins',
    '--kubeconfig', '/var/lib/kubelet/kubeconfig', '--bootstrap-kubeconfig', '/var/lib/kubelet/bootstrap-kubeconfig'];
  const containerd = ['--runtime-request-timeout=15m', '--container-runtime-endpoint=unix:///run/containerd/containerd.sock',
    '--runtime-cgroups=/system.slice/containerd.service', '--cgroup-driver=systemd'];
  switch (layout) {
    case 'aks-flags':
      return ['/usr/local/bin/kubelet', ...aksCommon, ...containerd,
        '--address=0.0.0.0', ...AKS_AUTH_FLAGS.slice(0, 3), '--cgroups-per-qos=true', AKS_AUTH_FLAGS[3]!,
        '--cloud-config=/etc/kubernetes/azure.json', '--cloud-provider=external', '--cluster-dns=10.0.0.10',
        '--cluster-domain=cluster.local', '--enforce-node-allocatable=pods', '--event-qps=0',
        '--eviction-hard=memory.available<750Mi,nodefs.available<10%,nodefs.inodesFree<5%',
        '--feature-gates=RotateKubeletServerCertificate=true',
        '--image-credential-provider-bin-dir=/var/lib/kubelet/credential-provider',
        '--image-credential-provider-config=/var/lib/kubelet/credential-provider-config.yaml',
        '--image-gc-high-threshold=85', '--image-gc-low-threshold=80', '--kube-reserved=cpu=100m,memory=1638Mi',
        '--max-pods=110', `--node-ip=${address}`, '--node-status-update-frequency=10s',
        '--pod-infra-container-image=mcr.microsoft.com/oss/kubernetes/pause:3.6',
        '--pod-manifest-path=/etc/kubernetes/manifests', '--pod-max-pids=-1', '--protect-kernel-defaults=true',
        AKS_AUTH_FLAGS[4]!, '--resolv-conf=/run/systemd/resolve/resolv.conf', '--rotate-certificates=true',
        '--streaming-connection-idle-timeout=4h', '--tls-cert-file=/etc/kubernetes/certs/kubeletserver.crt',
        '--tls-private-key-file=/etc/kubernetes/certs/kubeletserver.key'];
    case 'aks-config':
      return ['/usr/local/bin/kubelet', ...aksCommon, '--config', '/etc/default/kubeletconfig.json', ...containerd,
        '--cloud-config=/etc/kubernetes/azure.json', '--cloud-provider=external',
        '--image-credential-provider-bin-dir=/var/lib/kubelet/credential-provider',
        '--image-credential-provider-config=/var/lib/kubelet/credential-provider-config.yaml',
        `--node-ip=${address}`, '--pod-infra-container-image=mcr.microsoft.com/oss/kubernetes/pause:3.6'];
    case 'eks':
      return ['/usr/bin/kubelet', `--node-ip=${address}`,
        '--pod-infra-container-image=602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5', '--v=2',
        `--hostname-override=${name}`, '--cloud-provider=external', '--config', '/etc/kubernetes/kubelet/kubelet-config.json',
        '--kubeconfig', '/var/lib/kubelet/kubeconfig', '--container-runtime-endpoint', 'unix:///run/containerd/containerd.sock'];
    case 'kubeadm':
      return ['/usr/bin/kubelet', '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf',
        '--kubeconfig=/etc/kubernetes/kubelet.conf', '--config=/var/lib/kubelet/config.yaml',
        '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock', '--pod-infra-container-image=registry.k8s.io/pause:3.9'];
    case 'flags-only':
      return ['/usr/bin/kubelet', '--kubeconfig=/var/lib/kubelet/kubeconfig', `--node-ip=${address}`,
        `--hostname-override=${name}`, '--container-runtime-endpoint=unix:///run/containerd/containerd.sock',
        '--cgroup-driver=systemd', '--cluster-dns=10.96.0.10', '--cluster-domain=cluster.local',
        '--protect-kernel-defaults=true', '--rotate-certificates=true', '--v=2', ...FO_AUTH_FLAGS];
  }
}

function replaced(argv: string[], from: string, ...to: string[]): string[] {
  const i = argv.indexOf(from);
  if (i < 0) throw new Error(`${from} not in argv`);
  return [...argv.slice(0, i), ...to, ...argv.slice(i + 1)];
}

function inserted(argv: string[], before: string, ...items: string[]): string[] {
  return replaced(argv, before, ...items, before);
}

/** Where each scenario puts its flag, as the argv shows it. */
function expectedArgv(layout: Layout, scenario: string, name: string, address: string): string[] {
  const argv = compliantArgv(layout, name, address);
  const webhookFlag = '--authorization-mode=Webhook';
  const bad = '--authorization-mode=AlwaysAllow';
  const flagLayout = layout === 'aks-flags' || layout === 'flags-only';
  const firstAksFlag = '--cloud-config=/etc/kubernetes/azure.json';
  switch (scenario) {
    case 'compliant': case 'file-alwaysallow': case 'broken-config':
      return argv;
    case 'auth-missing':
      return flagLayout ? argv.filter((a) => !(layout === 'aks-flags' ? AKS_AUTH_FLAGS : FO_AUTH_FLAGS).includes(a)) : argv;
    case 'flag-alwaysallow': case 'both': case 'envfile-overrides-dropin':
      if (flagLayout) return replaced(argv, webhookFlag, bad);
      return layout === 'aks-config' ? inserted(argv, firstAksFlag, bad) : [...argv, bad];
    case 'flag-space':
      if (flagLayout) return replaced(argv, webhookFlag, '--authorization-mode', 'AlwaysAllow');
      return layout === 'aks-config'
        ? inserted(argv, firstAksFlag, '--authorization-mode', 'AlwaysAllow')
        : [...argv, '--authorization-mode', 'AlwaysAllow'];
    case 'duplicate-flag':
      if (flagLayout) return [...argv, bad];
      return layout === 'aks-config' ? [...inserted(argv, firstAksFlag, webhookFlag), bad] : [...argv, webhookFlag, bad];
    default:
      throw new Error(`no argv for ${scenario}`);
  }
}

const CASES = (Object.keys(SCENARIOS) as Layout[]).flatMap((layout) =>
  SCENARIOS[layout].map((scenario) => ({ layout, scenario, name: `${SHORT[layout]}-${scenario}` })),
);
const SUDO_PASSWORD_NODE = 'sudo-pw';
const RELAYOUT_NODE = 'relayout';

let fleet: Fleet;

async function sh(node: string, command: string): Promise<string> {
  const r = await fleet.ssh(node, command);
  if (r.code !== 0) throw new Error(`ssh ${node} ${command}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

interface KubeletFacts { active: string; argv: string[]; auth: Auth | undefined }

/** In one ssh session (each login costs ~0.2 s): is-active, /proc/MainPID/cmdline, configz. */
async function kubeletFacts(node: string): Promise<KubeletFacts> {
  const out = await sh(node, [
    'echo "$(systemctl is-active kubelet)"',
    'pid=$(systemctl show -p MainPID --value kubelet)',
    'if [ "$pid" != 0 ]; then base64 -w0 /proc/$pid/cmdline; fi; echo',
    'sudo -n cat /run/kubelet/configz.json 2>/dev/null | base64 -w0; echo',
  ].join('; '));
  const [active = '', argv = '', configz = ''] = out.split('\n');
  let auth: Auth | undefined;
  if (configz !== '') {
    const parsed = JSON.parse(Buffer.from(configz, 'base64').toString('utf8')) as {
      kubeletconfig: { authorization: { mode: string }; authentication: { webhook: { enabled: boolean } } };
    };
    auth = { mode: parsed.kubeletconfig.authorization.mode, webhook: parsed.kubeletconfig.authentication.webhook.enabled };
  }
  return { active, argv: Buffer.from(argv, 'base64').toString('utf8').split('\0').slice(0, -1), auth };
}

async function effectiveAuth(node: string): Promise<Auth | undefined> {
  return (await kubeletFacts(node)).auth;
}

function fleetId(): string {
  return readFileSync(join(fleet.dir, 'fleet-id'), 'utf8').trim();
}

/** A zombie (state Z) has released everything; only its parent's wait() is missing. */
function alive(pid: number): boolean {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] !== 'Z';
  } catch {
    return false;
  }
}

/** Everything of this fleet (or of one of its nodes) the host still has: mounts, cgroups,
 * nspawn state, live PIDs. */
function leftovers(dir: string, id: string, pids: number[], node = ''): string[] {
  const ours = (entry: string, prefix: string) => (node === '' ? entry.startsWith(prefix) : entry === `${prefix}${node}`);
  const found: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.includes(dir)) found.push(`mount: ${line}`);
  }
  for (const root of ['/sys/fs/cgroup/systemd/kubelet-fix', '/sys/fs/cgroup/unified/kubelet-fix', '/sys/fs/cgroup/kubelet-fix']) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root)) if (ours(entry, `${id}-`)) found.push(`cgroup: ${root}/${entry}`);
  }
  if (existsSync('/run/systemd/nspawn/propagate')) {
    for (const entry of readdirSync('/run/systemd/nspawn/propagate')) if (ours(entry, `kf-${id}-`)) found.push(`nspawn: ${entry}`);
  }
  for (const pid of pids) if (alive(pid)) found.push(`process: ${pid}`);
  return found;
}

beforeAll(async () => {
  const nodes: NodeSpec[] = [
    ...CASES,
    { name: SUDO_PASSWORD_NODE, layout: 'eks', scenario: 'compliant', options: ['sudo=password'] },
    { name: RELAYOUT_NODE, layout: 'eks', scenario: 'compliant' },
  ];
  fleet = await startFleet(nodes);
});

afterAll(async () => {
  await fleet?.stop();
});

describe('every layout and scenario', () => {
  it.each(CASES)('$layout/$scenario: kubelet argv and effective config are what a real node would have', async ({ layout, scenario, name }) => {
    const node = fleet.node(name);
    expect(node).toMatchObject({ layout, scenario, port: 22, user: 'azureuser' });
    const expected = expectedAuth(layout, scenario);
    if (expected === 'failing') {
      // Restart= keeps relaunching it: look for a moment it is down, and for the kubelet's error.
      let states = '';
      for (let i = 0; i < 10 && !states.includes('activating') && !states.includes('failed'); i++) {
        states += await sh(name, 'systemctl is-active kubelet || true');
      }
      expect(states).toMatch(/activating|failed/);
      const journal = await sh(name, 'journalctl -u kubelet --no-pager -o cat');
      expect(journal).toContain(`failed to load kubelet config file, path: ${CONFIG_FILE[layout]}`);
      expect((await fleet.ssh(name, 'sudo -n test -e /run/kubelet/configz.json')).code).toBe(1);
      return;
    }
    expect(await kubeletFacts(name)).toEqual({
      active: 'active', argv: expectedArgv(layout, scenario, name, node.address), auth: expected,
    });
  });
});

describe('nodes', () => {
  it('each node sees only its own kubelet (own PID namespace) and its own hostname', async () => {
    for (const name of ['eks-compliant', 'kadm-compliant', 'fo-compliant']) {
      const ps = await sh(name, 'ps -eo pid=,args=');
      const kubelets = ps.split('\n').filter((l) => /^\s*\d+ \/usr\/(local\/)?bin\/kubelet /.test(l));
      const mainPid = (await sh(name, 'systemctl show -p MainPID --value kubelet')).trim();
      expect(kubelets.map((l) => l.trim().split(' ')[0])).toEqual([mainPid]);
      expect((await sh(name, 'hostname')).trim()).toBe(name);
    }
  });

  it('every sshd listens on its own loopback address only, unique across the fleet', async () => {
    const listeners = (await run('ss', ['-Hltn'])).stdout.split('\n').map((l) => l.trim().split(/\s+/)[3] ?? '');
    expect(listeners.filter((l) => /^(0\.0\.0\.0|\*|\[::\]):22$/.test(l))).toEqual([]);
    const addresses = fleet.nodes.map((n) => n.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const address of addresses) {
      expect(address).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(listeners.filter((l) => l === `${address}:22`)).toHaveLength(1);
    }
  });

  it('ssh checks host keys strictly: the recorded key works, a wrong or missing one is refused', async () => {
    const node = fleet.node('eks-compliant');
    expect((await fleet.ssh(node.name, 'true')).code).toBe(0);
    expect(readFileSync(fleet.sshConfig, 'utf8')).toMatch(new RegExp(`Host ${node.name}\\n(  .*\\n)*  StrictHostKeyChecking yes`));
    const keys = readFileSync(fleet.knownHosts, 'utf8').trim().split('\n').map((l) => l.split(' ')[2]);
    expect(new Set(keys).size).toBe(fleet.nodes.length); // per-node host keys

    const scratch = await mkdtemp(join(tmpdir(), 'kubelet-fix-kh-'));
    try {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(scratch, 'other')]);
      const otherKey = readFileSync(join(scratch, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      await writeFile(join(scratch, 'wrong'), `${node.address} ${otherKey}\n`);
      await writeFile(join(scratch, 'empty'), '');
      for (const file of ['wrong', 'empty']) {
        const r = await run('/usr/bin/ssh', ['-F', fleet.sshConfig, '-o', 'BatchMode=yes',
          '-o', `UserKnownHostsFile=${join(scratch, file)}`, node.name, 'true']);
        expect(r.code, file).toBe(255);
        expect(r.stderr, file).toContain('Host key verification failed');
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('azureuser has passwordless sudo; a sudo=password node asks for the password', async () => {
    expect((await sh('eks-compliant', 'sudo -n id -un')).trim()).toBe('root');
    const refused = await fleet.ssh(SUDO_PASSWORD_NODE, 'sudo -n true');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('a password is required');
    const password = readFileSync(join(fleet.dir, 'nodes', SUDO_PASSWORD_NODE, 'sudo-password'), 'utf8').trim();
    expect((await sh(SUDO_PASSWORD_NODE, `echo ${password} | sudo -S -p '' id -un`)).trim()).toBe('root');
  });
});

describe('fleet.sh', () => {
  it('layout re-applies another layout on a running node, leaving none of the previous one', async () => {
    // What a tool under test may have added to the kubelet unit must not survive a layout either.
    await sh(RELAYOUT_NODE, 'printf "[Service]\\nEnvironment=STRAY=1\\n" | sudo -n tee /etc/systemd/system/kubelet.service.d/99-stray.conf');
    await fleet.layout(RELAYOUT_NODE, 'flags-only', 'flag-space');
    const node = fleet.node(RELAYOUT_NODE);
    expect(node).toMatchObject({ layout: 'flags-only', scenario: 'flag-space' });
    expect(await kubeletFacts(RELAYOUT_NODE)).toEqual({
      active: 'active',
      argv: expectedArgv('flags-only', 'flag-space', RELAYOUT_NODE, node.address),
      auth: { mode: 'AlwaysAllow', webhook: true },
    });
    const cat = await sh(RELAYOUT_NODE, 'systemctl cat kubelet');
    expect(cat.match(/^# .*$/gm)).toEqual([
      '# /etc/systemd/system/kubelet.service',
      '# /etc/systemd/system/kubelet.service.d/20-kubelet-extra-args.conf',
    ]);

    await fleet.layout(RELAYOUT_NODE, 'kubeadm', 'broken-config');
    expect((await sh(RELAYOUT_NODE, 'journalctl -u kubelet --no-pager -o cat'))).toContain(
      'failed to load kubelet config file, path: /var/lib/kubelet/config.yaml');
    await fleet.layout(RELAYOUT_NODE, 'eks', 'compliant');
    expect(await effectiveAuth(RELAYOUT_NODE)).toEqual({ mode: 'Webhook', webhook: true });
    expect((await sh(RELAYOUT_NODE, 'systemctl cat kubelet')).match(/^# .*$/gm)).toEqual([
      '# /etc/systemd/system/kubelet.service',
      '# /etc/systemd/system/kubelet.service.d/10-kubelet-args.conf',
      '# /etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf',
    ]);
  });

  it('rejects a scenario that makes no sense for the layout, naming both, and starts nothing', async () => {
    const before = readFileSync(join(fleet.dir, 'nodes.json'), 'utf8');
    const r = await run('/bin/bash', [FLEET_SH, 'start', 'nonsense=aks-flags/broken-config'], { ...process.env, FLEET_DIR: fleet.dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("scenario 'broken-config' does not apply to layout 'aks-flags'");
    expect(readFileSync(join(fleet.dir, 'nodes.json'), 'utf8')).toBe(before);
  });

  it('starting a running node again changes nothing; start adds nodes; stopping twice is harmless', async () => {
    const pidFile = join(fleet.dir, 'nodes', 'eks-compliant', 'pid');
    const nspawnPid = readFileSync(pidFile, 'utf8');
    const kubeletPid = await sh('eks-compliant', 'systemctl show -p MainPID --value kubelet');
    const again = await fleetSh(fleet.dir, ['start', 'eks-compliant=eks/compliant', 'added=kubeadm/compliant']);
    expect(again.stderr).toContain("node 'eks-compliant' already running");
    expect(readFileSync(pidFile, 'utf8')).toBe(nspawnPid);
    expect(await sh('eks-compliant', 'systemctl show -p MainPID --value kubelet')).toBe(kubeletPid);

    fleet.nodes = JSON.parse(readFileSync(join(fleet.dir, 'nodes.json'), 'utf8')) as Fleet['nodes'];
    expect(await effectiveAuth('added')).toEqual({ mode: 'Webhook', webhook: true });

    const addedPid = Number(readFileSync(join(fleet.dir, 'nodes', 'added', 'pid'), 'utf8'));
    await fleetSh(fleet.dir, ['stop', 'added']);
    const twice = await fleetSh(fleet.dir, ['stop', 'added']);
    expect(twice.stderr).toContain("node 'added' is not in this fleet");
    expect(leftovers(join(fleet.dir, 'nodes', 'added'), fleetId(), [addedPid], 'added')).toEqual([]);
    fleet.nodes = JSON.parse(readFileSync(join(fleet.dir, 'nodes.json'), 'utf8')) as Fleet['nodes'];
    expect(fleet.nodes.map((n) => n.name)).not.toContain('added');
  });

  it('another fleet directory gets other addresses, and both fleets work at once', async () => {
    const other = await startFleet([{ name: 'eks-compliant', layout: 'eks', scenario: 'compliant' }]);
    try {
      const address = other.node('eks-compliant').address;
      expect(fleet.nodes.map((n) => n.address)).not.toContain(address);
      expect((await other.ssh('eks-compliant', 'hostname')).stdout.trim()).toBe('eks-compliant');
      expect((await fleet.ssh('eks-compliant', 'hostname')).code).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it('stop leaves no mount, cgroup, nspawn state or process behind', async () => {
    const id = fleetId();
    const pids = fleet.nodes.map((n) => Number(readFileSync(join(fleet.dir, 'nodes', n.name, 'pid'), 'utf8')));
    expect(pids.every(alive)).toBe(true);
    const addresses = fleet.nodes.map((n) => n.address);
    await fleetSh(fleet.dir, ['stop']);
    expect(leftovers(fleet.dir, id, pids)).toEqual([]);
    for (const address of addresses) expect(existsSync(`/run/kubelet-fix-fleet/leases/${address}`)).toBe(false);
    expect(JSON.parse(readFileSync(join(fleet.dir, 'nodes.json'), 'utf8'))).toEqual([]);
  });
});
