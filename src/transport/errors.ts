/** Errors a node can fail with before any kubelet fact is read. Messages are shown to users as-is. */
export class NodeError extends Error {
  constructor(
    readonly node: string,
    readonly step: string,
    message: string,
  ) {
    super(message);
    this.name = 'NodeError';
  }
}

export class ConnectError extends NodeError {
  constructor(node: string, message: string) {
    super(node, 'connect', message);
    this.name = 'ConnectError';
  }
}

export class HostKeyError extends NodeError {
  constructor(node: string, message: string) {
    super(node, 'host-key', message);
    this.name = 'HostKeyError';
  }
}

export class SudoError extends NodeError {
  constructor(node: string, message: string) {
    super(node, 'sudo', message);
    this.name = 'SudoError';
  }
}

/**
 * The list of nodes could not be worked out: bad --hosts entry, inventory or ssh_config.
 * Raised before any connection, so it names a file (and line) rather than a node.
 */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}
