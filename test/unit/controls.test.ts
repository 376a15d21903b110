import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CONTROLS_DIR, loadControls, parseControl } from '../../src/controls/load.js';

const good = `id: demo-control
title: Demo
benchmarks: [{ benchmark: CIS X, id: "1.2.3" }]
settings:
  - setting: authorization.mode
    flag: --authorization-mode
    type: string
    defaults: { withConfig: Webhook, withoutConfig: AlwaysAllow }
    require: { notIn: [AlwaysAllow] }
    fix: Webhook
`;

describe('controls as data', () => {
  it('loads the bundled CIS 3.2.2 / 4.2.2 control with both settings', async () => {
    const controls = await loadControls();
    const c = controls.find((x) => x.id === 'kubelet-authorization-mode');
    expect(c).toBeDefined();
    expect(c!.benchmarks.map((b) => b.id)).toEqual(['3.2.2', '3.2.2', '4.2.2']);
    expect(c!.settings.map((s) => [s.setting, s.flag, s.fix])).toEqual([
      ['authorization.mode', '--authorization-mode', 'Webhook'],
      ['authentication.webhook.enabled', '--authentication-token-webhook', true],
    ]);
  });

  it('names the file and line of a misspelt key', () => {
    const bad = good.replace('    fix: Webhook', '    fixx: Webhook');
    expect(() => parseControl('/p/c.yaml', bad)).toThrow(/\/p\/c\.yaml:10: invalid control \(settings\.0\): Unrecognized key: "fixx"/);
  });

  it('names the file and line of a YAML syntax error', () => {
    expect(() => parseControl('/p/c.yaml', 'id: x\ntitle: [unclosed\n')).toThrow(/^\/p\/c\.yaml:\d+: invalid YAML/);
  });

  it('refuses a fix that does not satisfy its own requirement', () => {
    expect(() => parseControl('/p/c.yaml', good.replace('fix: Webhook', 'fix: AlwaysAllow'))).toThrow(/does not satisfy its own requirement/);
  });

  it('refuses a value of the wrong type', () => {
    const bad = good.replace('type: string', 'type: boolean').replace('require: { notIn: [AlwaysAllow] }', 'require: { equals: Webhook }');
    expect(() => parseControl('/p/c.yaml', bad)).toThrow(/is not a boolean/);
  });

  it('refuses two files with the same id, naming both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'controls-'));
    copyFileSync(join(BUNDLED_CONTROLS_DIR, 'kubelet-authorization-mode.yaml'), join(dir, 'a.yaml'));
    copyFileSync(join(BUNDLED_CONTROLS_DIR, 'kubelet-authorization-mode.yaml'), join(dir, 'b.yaml'));
    await expect(loadControls(dir)).rejects.toThrow(/b\.yaml: control id kubelet-authorization-mode is already defined in .*a\.yaml/);
  });

  it('a new control is a data file, not code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'controls-'));
    writeFileSync(join(dir, 'ro.yaml'), good.replace('demo-control', 'read-only-port')
      .replace('setting: authorization.mode', 'setting: readOnlyPort').replace('--authorization-mode', '--read-only-port')
      .replace('type: string', 'type: integer').replace('{ withConfig: Webhook, withoutConfig: AlwaysAllow }', '{ withConfig: 0, withoutConfig: 10255 }')
      .replace('require: { notIn: [AlwaysAllow] }', 'require: { equals: 0 }').replace('fix: Webhook', 'fix: 0'));
    const [c] = await loadControls(dir);
    expect(c!.settings[0]).toMatchObject({ setting: 'readOnlyPort', type: 'integer', fix: 0 });
  });
});
