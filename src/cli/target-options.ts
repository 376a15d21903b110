import type { Command } from 'commander';
import { resolveTargets } from '../transport/targets.js';
import type { NodeTarget } from '../transport/transport.js';
import { UsageError } from './exit.js';
import { parsePositiveInt } from './output.js';

export interface TargetOptions {
  hosts?: string;
  inventory?: string;
  groups?: string;
  sshConfig?: string;
  user?: string;
  acceptNewHostKeys?: boolean;
  concurrency: number;
}

/** The options that name nodes and say how to reach them, shared by plan and apply. */
export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--hosts <list>', 'comma-separated nodes: [user@]host[:port] or ssh config Host aliases')
    .option('--inventory <file>', 'YAML inventory of nodes (name, host, port, user, identityFile; groups)')
    .option('--groups <list>', 'only the inventory nodes in one of these comma-separated groups')
    .option('--ssh-config <file>', 'OpenSSH client config to read (default: ~/.ssh/config)')
    .option('--user <user>', 'login user when neither the host, the inventory nor the ssh config gives one')
    .option('--accept-new-host-keys', 'trust and record host keys not yet in known_hosts (a changed key is always refused)')
    .option('--concurrency <n>', 'nodes read at the same time', parsePositiveInt('--concurrency'), 10);
}

export async function targetsFrom(opts: TargetOptions): Promise<NodeTarget[]> {
  const hosts = opts.hosts ? opts.hosts.split(',').map((h) => h.trim()).filter(Boolean) : [];
  if (hosts.length === 0 && !opts.inventory) {
    throw new UsageError('no nodes named: pass --hosts a,b or --inventory FILE (see fix --help)');
  }
  return resolveTargets({
    ...(hosts.length ? { hosts } : {}),
    ...(opts.inventory ? { inventory: opts.inventory } : {}),
    ...(opts.groups ? { groups: opts.groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
    ...(opts.sshConfig ? { sshConfig: opts.sshConfig } : {}),
    ...(opts.user ? { defaultUser: opts.user } : {}),
    ...(opts.acceptNewHostKeys ? { strictHostKeyChecking: 'accept-new' as const } : {}),
  });
}
