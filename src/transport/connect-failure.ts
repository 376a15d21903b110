/**
 * ssh2 and socket errors rewritten as one sentence a user can act on. `who` already names the
 * node and its address:port, e.g. "node1 (10.0.0.4:22)" or "jump host bastion (...) of node1".
 */
export interface FailureContext {
  who: string;
  host: string;
  port: number;
  timeoutMs: number;
  /** The TCP connection (or jump channel) was up before the failure. */
  reachedServer: boolean;
  /** Filled in for authentication failures. */
  authAttempts?: string;
  user: string;
}

export function describeConnectFailure(err: Error & { code?: unknown; level?: string }, ctx: FailureContext): string {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const seconds = `${Math.round(ctx.timeoutMs / 100) / 10}s`;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `cannot connect to ${ctx.who}: host name "${ctx.host}" does not resolve (DNS lookup failed: ${code})`;
    case 'ECONNREFUSED':
      return `cannot connect to ${ctx.who}: connection refused (is sshd running and listening on port ${ctx.port}?)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot connect to ${ctx.who}: no route to host (${code})`;
    case 'ETIMEDOUT':
      return `cannot connect to ${ctx.who}: no answer (TCP connect timed out)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${ctx.who} closed the connection during the SSH handshake (${code}); check sshd's logs on the node`;
  }
  if (err.level === 'client-timeout') {
    return ctx.reachedServer
      ? `${ctx.who} accepted the connection but the SSH handshake did not finish within ${seconds}`
      : `cannot connect to ${ctx.who}: no answer within ${seconds} (host down, or port ${ctx.port} filtered?)`;
  }
  if (err.level === 'client-authentication') {
    return `authentication as ${ctx.user} on ${ctx.who} failed: ${ctx.authAttempts ?? 'no method was accepted'}`;
  }
  if (err.level === 'handshake' || err.level === 'protocol') {
    return `SSH handshake with ${ctx.who} failed: ${err.message}`;
  }
  return `cannot connect to ${ctx.who}: ${err.message}`;
}
