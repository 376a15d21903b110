/**
 * Prints how fast the pure planner is and how much memory it holds: every planner fixture planned
 * N times over. Figures only, no pass/fail: `npx tsx bench/planner.ts [rounds]`.
 * Fleet-scale planning is dominated by SSH round trips (two per node), not by this.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { loadControls } from '../src/controls/load.js';
import { assembleNodePlan } from '../src/plan/assemble-node.js';
import { factsFromFixture, type NodeFixture } from '../test/helpers/facts-fixture.js';

const rounds = Number(process.argv[2] ?? 200);
const dir = join(import.meta.dirname, '../test/fixtures/plan');
const controls = await loadControls();
const facts = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => factsFromFixture(f, parse(readFileSync(join(dir, f), 'utf8')) as NodeFixture));

for (const f of facts) assembleNodePlan(f, controls); // warm up
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const start = performance.now();
let changes = 0;
const kept = [];
for (let r = 0; r < rounds; r++) {
  for (const f of facts) {
    const plan = assembleNodePlan(f, controls);
    changes += plan.changes.length;
    if (r === 0) kept.push(plan);
  }
}
const ms = performance.now() - start;
const nodes = rounds * facts.length;
console.log(`planner: ${nodes} node plans (${facts.length} fixtures × ${rounds}) in ${ms.toFixed(0)} ms`);
console.log(`planner: ${(ms / nodes).toFixed(3)} ms per node, ${Math.round((nodes / ms) * 1000)} nodes/s, ${changes} file changes`);
console.log(`planner: heap growth ${((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024).toFixed(1)} MiB while holding ${kept.length} plans`);
