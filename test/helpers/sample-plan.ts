import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadControls } from '../../src/controls/load.js';
import { assembleNodePlan } from '../../src/plan/assemble-node.js';
import { assemblePlan } from '../../src/plan/assemble-plan.js';
import type { Plan } from '../../src/plan/types.js';
import { factsFromFixture, type NodeFixture } from './facts-fixture.js';

/** A plan over real planner fixtures: one node to change, one compliant, one in error. */
export async function samplePlan(): Promise<Plan> {
  const controls = await loadControls();
  const dir = join(import.meta.dirname, '../fixtures/plan');
  const node = (file: string, name: string) =>
    assembleNodePlan(factsFromFixture(name, parse(readFileSync(join(dir, file), 'utf8')) as NodeFixture), controls, {
      identity: { name, address: '127.0.0.9', port: 22, user: 'azureuser', hostKeyFingerprint: 'SHA256:abc', hostKeyAlgorithm: 'ssh-ed25519' },
    });
  return assemblePlan(
    [node('eks-both.yaml', 'eks-1'), node('aks-config-auth-missing.yaml', 'aks-ok'), node('eks-broken-config.yaml', 'eks-broken')],
    controls,
    { createdAt: '2026-12-04T00:00:00.000Z', version: '0.1.0' },
  );
}
