/** Bad command lines get one clear line on stderr and exit 1, before any node is contacted. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  try {
    const code = await main(['node', 'fix', ...args]);
    return { code, stderr, stdout };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('fix command-line errors', () => {
  it('plan with no nodes named says how to name them', async () => {
    const r = await run('plan');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('fix: no nodes named: pass --hosts a,b or --inventory FILE (see fix --help)\n');
  });

  it('an unknown --format is refused', async () => {
    const r = await run('plan', '--hosts', 'x', '--format', 'yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--format must be text, json or markdown, not "yaml"');
  });

  it('a non-numeric --concurrency is refused', async () => {
    const r = await run('plan', '--hosts', 'x', '--concurrency', 'many');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--concurrency must be a whole number ≥ 1, not "many"');
  });

  it('show with a missing plan file names it', async () => {
    const r = await run('show', '/nonexistent/plan.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^fix: cannot read plan file \/nonexistent\/plan\.json: ENOENT/);
  });

  it('apply with a missing plan file names it', async () => {
    const r = await run('apply', '/nonexistent/plan.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^fix: cannot read plan file \/nonexistent\/plan\.json/);
  });

  it('an inventory that does not exist is named', async () => {
    const r = await run('plan', '--inventory', '/nonexistent/nodes.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent/nodes.yaml');
  });

  it('--help and --version exit 0', async () => {
    expect((await run('--version')).code).toBe(0);
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: fix');
  });
});
