import { TargetError } from './errors.js';
import { parsePort } from './ssh-config-file.js';

/** A node as typed on the command line or in ProxyJump: `[user@]host[:port]`, or an ssh alias. */
export interface HostSpec {
  user?: string;
  host: string;
  port?: number;
}

/**
 * Parses `[user@]host[:port]`, `[v6addr]:port`, a bare IPv6 address, and `ssh://` URIs
 * (ProxyJump allows them). The user ends at the LAST `@`, as in OpenSSH.
 */
export function parseHostSpec(input: string, context = '--hosts'): HostSpec {
  const fail = (why: string): never => {
    throw new TargetError(`${context}: "${input}": ${why}`);
  };
  let rest = input.trim();
  if (rest === '') fail('empty host');
  if (rest.startsWith('ssh://')) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  const spec: { user?: string; host?: string; port?: number } = {};
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const user = rest.slice(0, at);
    if (user === '') fail('empty user name before "@"');
    spec.user = user;
    rest = rest.slice(at + 1);
  }
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) fail('missing "]" after IPv6 address');
    spec.host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) fail(`unexpected "${after}" after "]"`);
      portText = after.slice(1);
    }
  } else if ((rest.match(/:/g) ?? []).length > 1) {
    spec.host = rest; // bare IPv6 address: no port possible without brackets
  } else {
    const colon = rest.indexOf(':');
    spec.host = colon >= 0 ? rest.slice(0, colon) : rest;
    if (colon >= 0) portText = rest.slice(colon + 1);
  }
  if (portText !== undefined) {
    const port = parsePort(portText);
    spec.port = port ?? fail(`"${portText}" is not a port number (1-65535)`);
  }
  const host = spec.host ?? '';
  if (host === '') fail('empty host');
  if (/[\s/\\'"`$;&|<>]/.test(host) || host.startsWith('-')) fail(`"${host}" is not a valid host name or address`);
  return { host, ...(spec.user !== undefined ? { user: spec.user } : {}), ...(spec.port !== undefined ? { port: spec.port } : {}) };
}

/** How a host spec is shown back to the user: `host`, `host:port` or `[v6]:port` (user omitted). */
export function formatHostPort(host: string, port?: number): string {
  if (port === undefined) return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
