import { compileDeviceRules, deviceRuleLine, normaliseDeviceRule } from '../../../src/cgroups/devices';

describe('device rules', () => {
  it('formats v1 lines with wildcards and default access', () => {
    expect(deviceRuleLine(normaliseDeviceRule({ allow: false }, 0))).toBe('a *:* rwm');
    expect(deviceRuleLine(normaliseDeviceRule({ allow: true, type: 'c', major: 1, minor: 3, access: 'wr' }, 0))).toBe('c 1:3 rw');
    expect(deviceRuleLine(normaliseDeviceRule({ allow: true, type: 'c', major: 136, minor: null, access: 'rwm' }, 0))).toBe('c 136:* rwm');
    expect(deviceRuleLine(normaliseDeviceRule({ allow: true, type: 'b', major: -1, minor: 2, access: 'm' }, 0))).toBe('b *:2 m');
  });

  it('compiles an OCI default list: deny all, then allow some', () => {
    const program = compileDeviceRules([
      { allow: true, access: 'rwm' },
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
      { allow: false, type: 'c', major: 5, minor: 0, access: 'w' },
    ]);
    expect(program).toEqual({
      defaultAllow: false,
      rules: [
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
        { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
        { allow: false, type: 'c', major: 5, minor: 0, access: 'w' },
      ],
    });
  });

  it('keeps the kernel default (allow) when there is no wildcard rule', () => {
    expect(compileDeviceRules([{ allow: false, type: 'b', major: 8, minor: 0, access: 'w' }])).toEqual({
      defaultAllow: true,
      rules: [{ allow: false, type: 'b', major: 8, minor: 0, access: 'w' }],
    });
  });

  it('a partial-access "a" rule is a rule, not a reset', () => {
    expect(compileDeviceRules([{ allow: false }, { allow: true, type: 'a', access: 'm' }]).rules).toEqual([
      { allow: true, type: 'a', major: -1, minor: -1, access: 'm' },
    ]);
  });
});
