import { Command } from 'commander';
import { addApplyCommand } from './apply-command.js';
import { addPlanCommand } from './plan-command.js';
import { addShowCommand } from './show-command.js';
import { toolVersion } from './output.js';

export function buildProgram(): Command {
  const program = new Command('fix')
    .description(
      'kubelet-fix: find and fix insecure kubelet settings on Kubernetes worker nodes over SSH. ' +
        '`plan` reads each node (the running kubelet, its systemd unit, drop-ins, environment and config files), ' +
        'works out the effective value of every setting a control checks and where it comes from, and shows the exact ' +
        'file edits that make the node compliant. `apply` makes them safely: lock, backup, atomic write, daemon-reload, ' +
        'restart, verify, and roll back if the kubelet does not come back healthy. Controls are data files (plans/*.yaml); ' +
        'bundled: CIS AKS 3.2.2, EKS 3.2.2, CIS Kubernetes 4.2.2 (authorization mode and webhook authentication).',
    )
    .version(toolVersion())
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 success (plan: nothing to change with --detailed-exitcode), 1 error, 2 plan has changes (--detailed-exitcode).\n' +
        'Examples:\n' +
        '  fix plan --hosts node1,azureuser@10.0.0.5 --out plan.json\n' +
        '  fix show plan.json --format markdown\n' +
        '  fix apply plan.json\n' +
        '  fix apply --inventory nodes.yaml --yes',
    );
  addPlanCommand(program);
  addApplyCommand(program);
  addShowCommand(program);
  return program;
}
