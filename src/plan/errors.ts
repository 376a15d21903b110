/** A node that cannot be planned: the message names the file (and line) at fault. Becomes status "error". */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}
