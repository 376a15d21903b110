/** Runs a command line and returns the exit code; entry.ts is the only place that exits. */
import { CommanderError } from 'commander';
import { ExitError } from './exit.js';
import { buildProgram } from './program.js';

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof ExitError) {
      if (err.message) process.stderr.write(`${err.message}\n`);
      return err.code;
    }
    if (err instanceof CommanderError) {
      // Help and version are not failures; commander already printed its message.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 1;
    }
    const e = err as Error;
    const known = ['UsageError', 'ControlFileError', 'PlanFileError', 'TargetError', 'InventoryError', 'SshConfigError', 'NodeError', 'ConnectError', 'HostKeyError'];
    if (known.includes(e.name)) {
      process.stderr.write(`fix: ${e.message}\n`);
    } else {
      process.stderr.write(`fix: internal error: ${e.stack ?? e.message}\n`);
    }
    return 1;
  }
}
