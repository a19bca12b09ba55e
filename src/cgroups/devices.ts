// Device cgroup rules: validation, the v1 devices.allow/deny line format, and the normalised
// list a v2 eBPF device program (BPF_PROG_TYPE_CGROUP_DEVICE, built in the addon) is made from.
import { invalid } from '../foundation/errors';
import type { LinuxDeviceCgroup } from './resources';

export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'c' | 'b';
  /** -1 is the wildcard '*'. */
  major: number;
  minor: number;
  /** Non-empty subset of 'rwm', in that order. */
  access: string;
}

/**
 * What the eBPF program enforces: evaluate `rules` from the LAST to the first, the first rule
 * that matches (type, major, minor and all requested access bits) decides; when none matches,
 * `defaultAllow` decides. A wildcard "a *:*" rule resets the default and drops earlier rules,
 * exactly as writing it to v1 devices.allow/deny resets the kernel's list.
 */
export interface DeviceProgram {
  defaultAllow: boolean;
  rules: DeviceRule[];
}

function normaliseAccess(access: string | undefined, where: string): string {
  const a = access ?? 'rwm';
  // runc ignores an "a" in the access string ("rwa" is "rw"); so does runts.
  if (!/^[rwma]*$/.test(a) || !/[rwm]/.test(a)) {
    throw invalid(`${where}: access ${JSON.stringify(a)} must be a non-empty combination of r, w and m`);
  }
  return ['r', 'w', 'm'].filter((c) => a.includes(c)).join('');
}

function normaliseNumber(n: number | null | undefined, field: string, where: string): number {
  if (n === undefined || n === null || n === -1) return -1;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw invalid(`${where}: ${field} ${n} must be a non-negative integer (or -1/absent for any)`);
  }
  return n;
}

/** Validates and normalises one OCI device rule (throws RuntsError 'invalid'). */
export function normaliseDeviceRule(r: LinuxDeviceCgroup, index: number): DeviceRule {
  const where = `linux.resources.devices[${index}]`;
  if (typeof r.allow !== 'boolean') throw invalid(`${where}: allow must be true or false`);
  const type = r.type ?? 'a';
  if (type !== 'a' && type !== 'c' && type !== 'b') {
    throw invalid(`${where}: type ${JSON.stringify(type)} must be one of a (all), c (char), b (block)`);
  }
  return {
    allow: r.allow,
    type,
    major: normaliseNumber(r.major, 'major', where),
    minor: normaliseNumber(r.minor, 'minor', where),
    access: normaliseAccess(r.access, where),
  };
}

/** The v1 devices.allow / devices.deny line for a rule, e.g. "c 1:3 rwm" or "a *:* rwm". */
export function deviceRuleLine(rule: DeviceRule): string {
  const num = (n: number) => (n === -1 ? '*' : String(n));
  return `${rule.type} ${num(rule.major)}:${num(rule.minor)} ${rule.access}`;
}

function isWildcardAll(rule: DeviceRule): boolean {
  return rule.type === 'a' && rule.major === -1 && rule.minor === -1 && rule.access === 'rwm';
}

/** Normalises the rules in order into the program a v2 device filter enforces. */
export function compileDeviceRules(rules: LinuxDeviceCgroup[]): DeviceProgram {
  // An empty cgroup starts with every device allowed (the kernel default on v1 and v2).
  const program: DeviceProgram = { defaultAllow: true, rules: [] };
  rules.forEach((r, i) => {
    const rule = normaliseDeviceRule(r, i);
    if (isWildcardAll(rule)) {
      program.defaultAllow = rule.allow;
      program.rules = [];
    } else {
      program.rules.push(rule);
    }
  });
  return program;
}
