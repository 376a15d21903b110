/**
 * `systemctl show` output (KEY=VALUE lines) read into UnitFacts. Works without `--value` (systemd
 * 230+) and tolerates properties older systemd does not know (NRestarts needs 235+): they are
 * simply absent.
 */
import { NodeError } from '../transport/errors.js';
import { extractWords } from './systemd-words.js';
import type { UnitFacts } from './types.js';

/** Every property with all its values, in output order (EnvironmentFiles repeats). */
export function parseSystemctlShow(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    // Anything that is not KEY=... (a warning systemctl printed) is not a property.
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    (out[key] ??= []).push(value);
  }
  return out;
}

function one(show: Record<string, string[]>, key: string): string | undefined {
  return show[key]?.[0];
}

/** UnitFacts from parsed `systemctl show`; a missing unit is the node's error, not a fact. */
export function unitFactsFromShow(node: string, show: Record<string, string[]>): UnitFacts {
  const loadState = one(show, 'LoadState') ?? '';
  if (loadState === 'not-found') {
    throw new NodeError(node, 'facts', 'no kubelet found: kubelet.service is not a loaded unit (LoadState=not-found) and no running kubelet process belongs to another systemd unit');
  }
  if (loadState === '') {
    throw new NodeError(node, 'facts', 'systemctl show kubelet.service printed no LoadState: is systemd running on this node?');
  }
  const mainPid = Number(one(show, 'MainPID') ?? '0');
  const nRestarts = one(show, 'NRestarts');
  const environment = one(show, 'Environment');
  const started = one(show, 'ExecMainStartTimestamp');
  const dropIns = (one(show, 'DropInPaths') ?? '').split(' ').filter((p) => p !== '');
  const unit: UnitFacts = {
    name: one(show, 'Id') || 'kubelet.service',
    loadState,
    activeState: one(show, 'ActiveState') ?? '',
    subState: one(show, 'SubState') ?? '',
    fragmentPath: one(show, 'FragmentPath') ?? '',
    dropInPaths: dropIns,
    mainPid: Number.isFinite(mainPid) ? mainPid : 0,
    needDaemonReload: one(show, 'NeedDaemonReload') === 'yes',
    environmentFiles: (show.EnvironmentFiles ?? []).filter((v) => v !== ''),
  };
  if (nRestarts !== undefined && nRestarts !== '' && Number.isFinite(Number(nRestarts))) unit.nRestarts = Number(nRestarts);
  if (environment !== undefined && environment !== '') unit.environment = environment;
  if (started !== undefined && started !== '' && started !== 'n/a') unit.execMainStartTimestamp = started;
  const execStart = one(show, 'ExecStart');
  if (execStart !== undefined && execStart !== '') unit.execStart = execStart;
  return unit;
}

/**
 * The Environment= assignments systemd has loaded (`systemctl show -p Environment`), which is what
 * a restart uses until the next daemon-reload. systemd prints them quoted and C-escaped.
 */
export function loadedEnvironment(shown: string | undefined): Map<string, string> {
  const env = new Map<string, string>();
  if (!shown) return env;
  for (const w of extractWords(shown, { unquote: true, cunescape: true, relax: true }).words) {
    const eq = w.value.indexOf('=');
    if (eq > 0) env.set(w.value.slice(0, eq), w.value.slice(eq + 1));
  }
  return env;
}

/** "systemd 252 (252.39-1~deb12u2)" → 252. */
export function parseSystemdVersion(text: string): number | undefined {
  const m = /^systemd (\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** "/etc/default/kubelet (ignore_errors=no)" → path and whether a missing file is tolerated. */
export function parseEnvironmentFilesEntry(entry: string): { path: string; optional: boolean } {
  const m = /^(.*) \(ignore_errors=(yes|no)\)$/.exec(entry);
  return m ? { path: m[1] as string, optional: m[2] === 'yes' } : { path: entry, optional: false };
}
