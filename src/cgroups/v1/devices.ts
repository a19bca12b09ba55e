// v1 devices: the rules are emulated over the kernel's current list and only the difference is
// written (see device-transition.ts); a fresh cgroup gets "a *:* rwm" reset plus exceptions.
import { normaliseDeviceRule } from '../devices';
import type { V1Controller } from './controller';
import { applyDeviceRules, deviceTransition, parseDevicesList } from './device-transition';

export const devicesV1: V1Controller = {
  name: 'devices',
  apply(dir, r) {
    const rules = (r.devices ?? []).map((d, i) => normaliseDeviceRule(d, i));
    if (!rules.length) return;
    const current = parseDevicesList(dir.readIfPresent('devices.list'));
    for (const w of deviceTransition(current, applyDeviceRules(current, rules))) dir.write(w.file, w.line);
  },
};
