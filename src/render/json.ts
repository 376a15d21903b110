import type { Plan } from '../plan/types.js';

/** The plan document itself: `--format json`, `--out` and `fix show --format json` are all this. */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
