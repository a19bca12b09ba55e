import { normaliseDeviceRule } from '../../../src/cgroups/devices';
import { applyDeviceRules, deviceTransition, parseDevicesList } from '../../../src/cgroups/v1/device-transition';

const rules = (...rs: Parameters<typeof normaliseDeviceRule>[0][]) => rs.map((r, i) => normaliseDeviceRule(r, i));
const writes = (list: string, rs: ReturnType<typeof rules>) => {
  const current = parseDevicesList(list);
  return deviceTransition(current, applyDeviceRules(current, rs)).map((w) => `${w.file} ${w.line}`);
};

describe('v1 device rule transitions', () => {
  const DEFAULTS = 'c 1:3 rwm\nc 1:5 rwm\nc 136:* rwm\n';

  it('from allow-all (a fresh cgroup): reset to deny, then the exceptions', () => {
    expect(writes('a *:* rwm\n', rules({ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }))).toEqual(['devices.deny a *:* rwm', 'devices.allow c 1:3 rwm']);
  });

  it('the same deny-all list again writes nothing', () => {
    expect(writes(DEFAULTS, rules({ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: true, type: 'c', major: 1, minor: 5 }, { allow: true, type: 'c', major: 136 }))).toEqual([]);
  });

  it('a new deny-all list: adds first, removes after, never a reset', () => {
    expect(writes(DEFAULTS, rules({ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: true, type: 'c', major: 1, minor: 11, access: 'rw' }, { allow: true, type: 'c', major: 136, access: 'rw' }))).toEqual([
      'devices.allow c 1:11 rw',
      'devices.deny c 1:5 rwm',
      'devices.deny c 136:* m',
    ]);
  });

  it('rules on top of the current list (no wildcard) change only what they name', () => {
    expect(writes(DEFAULTS, rules({ allow: false, type: 'c', major: 1, minor: 3, access: 'w' }))).toEqual(['devices.deny c 1:3 w']);
  });

  it('an allow-all target resets to allow and denies the exceptions', () => {
    expect(writes(DEFAULTS, rules({ allow: true }, { allow: false, type: 'b', major: 8, minor: 0, access: 'w' }))).toEqual(['devices.allow a *:* rwm', 'devices.deny b 8:0 w']);
  });
});
