import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, IdentityCallback, ParsedKey } from 'ssh2';
import type { NodeTarget } from './transport.js';

const { OpenSSHAgent, utils } = ssh2;

/**
 * Client authentication the OpenSSH way: agent keys first, then each identity file in order.
 * Keys are never prompted for: an encrypted key is reported, with the way out (ssh-agent).
 */
export interface IdentityFile {
  file: string;
  status: 'loaded' | 'not found' | 'encrypted' | 'unusable';
  key?: ParsedKey;
  /** Public key blob, from the key itself or its .pub neighbour: lets IdentitiesOnly filter agent keys. */
  publicBlob?: Buffer;
  detail?: string;
}

export async function loadIdentityFiles(files: readonly string[]): Promise<IdentityFile[]> {
  return Promise.all(files.map(loadIdentityFile));
}

async function loadIdentityFile(file: string): Promise<IdentityFile> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { file, status: 'not found' };
    return { file, status: 'unusable', detail: (err as Error).message };
  }
  const publicBlob = await readPublicBlob(`${file}.pub`);
  const withPublic = publicBlob ? { publicBlob } : {};
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) {
    if (/passphrase/i.test(parsed.message)) return { file, status: 'encrypted', ...withPublic };
    return { file, status: 'unusable', detail: parsed.message, ...withPublic };
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) return { file, status: 'unusable', detail: 'not a private key', ...withPublic };
  return { file, status: 'loaded', key, publicBlob: key.getPublicSSH() };
}

async function readPublicBlob(file: string): Promise<Buffer | undefined> {
  try {
    const parsed = utils.parseKey(await readFile(file));
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    return key && !(key instanceof Error) ? key.getPublicSSH() : undefined;
  } catch {
    return undefined;
  }
}

/** IdentitiesOnly: the agent may only offer keys that belong to a configured identity file. */
class RestrictedAgent extends OpenSSHAgent {
  constructor(
    socket: string,
    private readonly allowed: readonly Buffer[],
  ) {
    super(socket);
  }
  override getIdentities(cb: IdentityCallback<ParsedKey>): void {
    super.getIdentities((err, keys) =>
      cb(
        err,
        keys?.filter((k) => 'getPublicSSH' in k && this.allowed.some((b) => b.equals(k.getPublicSSH()))),
      ),
    );
  }
}

/** What was tried, for the error message when the server accepts nothing. */
export interface AuthLog {
  agent?: string;
  agentProblem?: string;
  triedFiles: string[];
  /** Methods the server said it would accept, once it said so. */
  serverMethods?: AuthenticationType[];
}

export function authPlan(
  target: NodeTarget,
  identities: readonly IdentityFile[],
): { handler: AuthHandlerMiddleware; log: AuthLog } {
  const log: AuthLog = { triedFiles: [] };
  const queue: { method: AnyAuthMethod; file?: string }[] = [];
  const username = target.user;
  if (target.identityAgent) {
    log.agent = target.identityAgent;
    const agent = target.identitiesOnly
      ? new RestrictedAgent(target.identityAgent, identities.flatMap((i) => (i.publicBlob ? [i.publicBlob] : [])))
      : new OpenSSHAgent(target.identityAgent);
    queue.push({ method: { type: 'agent', username, agent } });
  }
  for (const identity of identities) {
    if (identity.key) queue.push({ method: { type: 'publickey', username, key: identity.key }, file: identity.file });
  }
  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, next) => {
    // ssh2 takes `false` for "give up", which its type definitions omit.
    const giveUp = () => (next as unknown as (stop: false) => void)(false);
    if (Array.isArray(methodsLeft)) {
      log.serverMethods = methodsLeft;
      if (!methodsLeft.includes('publickey')) return giveUp();
    }
    const step = queue.shift();
    if (!step) return giveUp();
    if (step.file) log.triedFiles.push(step.file);
    next(step.method);
  };
  return { handler, log };
}

/** "tried ssh-agent (...) and /root/.ssh/id_ed25519; skipped ..." for the auth failure message. */
export function describeAuthAttempts(log: AuthLog, identities: readonly IdentityFile[]): string {
  const tried: string[] = [];
  if (log.agent) tried.push(`ssh-agent (${log.agent}${log.agentProblem ? `: ${log.agentProblem}` : ''})`);
  tried.push(...log.triedFiles);
  const parts = [tried.length ? `tried ${tried.join(', ')}` : 'no usable key: no ssh-agent (SSH_AUTH_SOCK unset) and no identity file loaded'];
  const skipped = identities.filter((i) => i.status !== 'loaded');
  const encrypted = skipped.filter((i) => i.status === 'encrypted');
  const others = skipped.filter((i) => i.status !== 'encrypted');
  if (others.length) {
    parts.push(`skipped ${others.map((i) => `${i.file} (${i.status}${i.detail ? `: ${i.detail}` : ''})`).join(', ')}`);
  }
  if (encrypted.length) {
    parts.push(
      `${encrypted.map((i) => i.file).join(', ')} ${encrypted.length > 1 ? 'are' : 'is'} passphrase-protected and kubelet-fix does not ask for passphrases: load ${encrypted.length > 1 ? 'them' : 'it'} into ssh-agent (ssh-add ${encrypted.map((i) => i.file).join(' ')}) and make sure SSH_AUTH_SOCK is set`,
    );
  }
  if (log.serverMethods && !log.serverMethods.includes('publickey')) {
    parts.push(`the server does not accept public keys (it offers: ${log.serverMethods.join(', ') || 'nothing'})`);
  }
  return parts.join('; ');
}
