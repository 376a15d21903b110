import { describe, expect, it } from 'vitest';
import { TargetError } from '../../../src/transport/errors.js';
import { parseHostSpec } from '../../../src/transport/host-spec.js';

describe('parseHostSpec', () => {
  it.each([
    ['node1', { host: 'node1' }],
    ['azureuser@10.0.0.4', { user: 'azureuser', host: '10.0.0.4' }],
    ['10.0.0.4:2222', { host: '10.0.0.4', port: 2222 }],
    ['u@h:22', { user: 'u', host: 'h', port: 22 }],
    ['[::1]:2200', { host: '::1', port: 2200 }],
    ['root@[fe80::1]', { user: 'root', host: 'fe80::1' }],
    ['fe80::1', { host: 'fe80::1' }],
    ['me@corp@jump', { user: 'me@corp', host: 'jump' }],
    ['ssh://admin@bastion:2022', { user: 'admin', host: 'bastion', port: 2022 }],
    ['  spaced  ', { host: 'spaced' }],
  ])('%s', (input, expected) => {
    expect(parseHostSpec(input)).toEqual(expected);
  });

  it.each([
    ['', /empty host/],
    ['@h', /empty user/],
    ['u@', /empty host/],
    ['h:0', /"0" is not a port number/],
    ['h:65536', /"65536" is not a port number/],
    ['h:ssh', /"ssh" is not a port number/],
    ['[::1', /missing "\]"/],
    ['[::1]x', /unexpected "x"/],
    ['-oProxyCommand=x', /not a valid host name/],
    ['h;reboot', /not a valid host name/],
  ])('refuses %j', (input, message) => {
    expect(() => parseHostSpec(input)).toThrow(TargetError);
    expect(() => parseHostSpec(input)).toThrow(message);
  });

  it('names the option in the error', () => {
    expect(() => parseHostSpec('h:99999')).toThrow('--hosts: "h:99999": "99999" is not a port number (1-65535)');
  });
});
