/**
 * The kubelet's own words when it fails to start, picked from `journalctl -o cat`, so a rollback
 * can say why ("failed to load kubelet config file ...") rather than just "not active".
 */
import { looksSecret } from '../plan/secrets.js';

/** Lines only a kubelet that is exiting writes. */
const FATAL = [/"command failed"/, /failed to run Kubelet/i, /^Error: /, /failed to load kubelet config file/i, /^F\d{4} /];
/** klog error lines, plus systemd's account of the exit when the kubelet said nothing useful. */
const ERROR = /^[EF]\d{4} /;
const SYSTEMD_EXIT = /Main process exited|Failed with result/;

export function kubeletErrorLines(lines: string[], level: 'fatal' | 'error'): string[] {
  const fatal = lines.filter((l) => FATAL.some((re) => re.test(l)));
  if (level === 'fatal') return fatal;
  const errors = lines.filter((l) => ERROR.test(l) || FATAL.some((re) => re.test(l)));
  return errors.length ? errors : lines.filter((l) => SYSTEMD_EXIT.test(l));
}

/** Log lines go into records and terminals: a line that looks like it carries a credential is masked. */
export function maskLines(lines: string[]): string[] {
  return lines.map((l) => (looksSecret(l) ? '[masked: looks like a secret]' : l));
}
