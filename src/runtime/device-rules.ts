// The devices cgroup rules a container gets: the spec's own rules, then (as runc does) allow
// rules for the default devices and the pty devices, so a "deny all" spec still lets the
// container use /dev/null and friends. linux.devices nodes get no rule of their own: as with
// runc, a node the spec creates is usable only if linux.resources.devices allows it (a FIFO
// needs no rule at all), so "deny all" plus a /dev/kmsg node still denies /dev/kmsg.
import { LinuxResources } from './spec';

type Rule = { allow: boolean; type?: string; major?: number; minor?: number; access?: string };

const DEFAULT_ALLOWED: Rule[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

export function withDefaultDeviceRules(resources: LinuxResources | undefined): LinuxResources | undefined {
  if (!resources?.devices) return resources;
  return { ...resources, devices: [...resources.devices, ...DEFAULT_ALLOWED] } as LinuxResources;
}
