/**
 * The one interface between kubelet-fix and a node. Everything that touches a node goes through
 * `exec`, so a fake transport (tests) or another connector (e.g. `kubectl debug`) can stand in.
 */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status of the remote command; null when it died of a signal or the channel closed. */
  code: number | null;
}

export interface ExecOptions {
  /** Bytes sent to the command's stdin, then EOF. File contents travel this way, never in argv. */
  stdin?: string | Buffer;
  /** Run through `sudo -n` (no-op when the login user is already root). */
  sudo?: boolean;
  timeoutMs?: number;
}

/** Who we connected to, as recorded in plans and checked again by apply. */
export interface NodeIdentity {
  name: string;
  address: string;
  port: number;
  user: string;
  /** OpenSSH-style "SHA256:base64" fingerprint of the host key the node presented. */
  hostKeyFingerprint: string;
  hostKeyAlgorithm: string;
}

export interface Transport {
  readonly identity: NodeIdentity;
  /** `command` is a POSIX shell command line; every variable part must be quoted with shellQuote. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

/** A node as the user named it, after ssh-config / inventory resolution, before connecting. */
export interface NodeTarget {
  /** The name the user knows the node by (inventory name, ssh Host alias or the host itself). */
  name: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  knownHostsFiles: string[];
  /** OpenSSH semantics: yes (default) refuses unknown or changed keys; accept-new trusts a first-seen key; no trusts any. */
  strictHostKeyChecking: 'yes' | 'accept-new' | 'no';
  /** Jump host chain, OpenSSH ProxyJump syntax already resolved to targets. */
  proxyJump?: NodeTarget[];
  /** Key the plan was made with: apply passes it to insist on the same host key. */
  expectedHostKeyFingerprint?: string;
  /**
   * ssh-agent socket to try before the identity files (ssh_config IdentityAgent, else
   * SSH_AUTH_SOCK); absent means no agent. Added by the transport layer.
   */
  identityAgent?: string;
  /** ssh_config IdentitiesOnly: use only agent keys that match `identityFiles`. Added by the transport layer. */
  identitiesOnly?: boolean;
}
