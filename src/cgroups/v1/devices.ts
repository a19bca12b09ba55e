// v1 devices: the rules are written in order to devices.allow / devices.deny; a wildcard
// "a *:* rwm" rule resets the kernel's list, so the usual deny-all-then-allow lists work as is.
import { deviceRuleLine, normaliseDeviceRule } from '../devices';
import type { V1Controller } from './controller';

export const devicesV1: V1Controller = {
  name: 'devices',
  apply(dir, r) {
    (r.devices ?? []).forEach((d, i) => {
      const rule = normaliseDeviceRule(d, i);
      dir.write(rule.allow ? 'devices.allow' : 'devices.deny', deviceRuleLine(rule));
    });
  },
};
