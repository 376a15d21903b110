/** An expected stop with an exit code, its message already shown. Only main.ts turns it into an exit. */
export class ExitError extends Error {
  constructor(readonly code: number, message = '') {
    super(message);
    this.name = 'ExitError';
  }
}

/** A usage or input error: printed as "fix: <message>" and exit 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
