// The devices cgroup rules a container gets: the spec's own rules, then (as runc does) allow
// rules for the default devices, the pty devices and every linux.devices node, so a
// "deny all" spec still lets the container use what the runtime put in its /dev.
import { LinuxDevice, LinuxResources } from './spec';

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

export function withDefaultDeviceRules(resources: LinuxResources | undefined, devices: LinuxDevice[] | undefined): LinuxResources | undefined {
  if (!resources?.devices) return resources;
  const own: Rule[] = (devices ?? []).map((d) => ({ allow: true, type: d.type === 'u' ? 'c' : d.type, major: d.major, minor: d.minor, access: 'rwm' }));
  return { ...resources, devices: [...resources.devices, ...DEFAULT_ALLOWED, ...own] } as LinuxResources;
}
