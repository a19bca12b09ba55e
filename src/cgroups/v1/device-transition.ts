// v1 device rules as the smallest change from what the kernel holds (runc's devices emulator):
// an update that keeps the default (deny) only adds and removes exceptions, so a running
// container never passes through "deny all" while its rules are rewritten.
import { DeviceRule, deviceRuleLine } from '../devices';

/** The kernel's v1 list: a default and the exceptions to it, by "type major:minor". */
export interface V1DeviceState {
  defaultAllow: boolean;
  exceptions: Map<string, Set<string>>;
  /** false when the kernel does not show the exceptions (an allow-by-default list) */
  exact: boolean;
}

export interface DeviceWrite {
  file: 'devices.allow' | 'devices.deny';
  line: string;
}

/** devices.list as a state: "a *:* rwm" is the allow-by-default list, whose denials it hides. */
export function parseDevicesList(text: string | undefined): V1DeviceState {
  const lines = (text ?? 'a *:* rwm').split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.some((l) => l.startsWith('a '))) return { defaultAllow: true, exceptions: new Map(), exact: false };
  const exceptions = new Map<string, Set<string>>();
  for (const l of lines) {
    const [type, numbers, access] = l.split(' ');
    exceptions.set(`${type} ${numbers}`, new Set(access));
  }
  return { defaultAllow: false, exceptions, exact: true };
}

/** What the kernel holds after the rules are written in order to `from`. */
export function applyDeviceRules(from: V1DeviceState, rules: DeviceRule[]): V1DeviceState {
  let state: V1DeviceState = { ...from, exceptions: new Map([...from.exceptions].map(([k, v]) => [k, new Set(v)])) };
  for (const rule of rules) {
    if (rule.type === 'a') {
      // Any "a" line resets the list to its default (the kernel ignores its numbers and access).
      state = { defaultAllow: rule.allow, exceptions: new Map(), exact: !rule.allow };
      continue;
    }
    const key = deviceRuleLine(rule).split(' ').slice(0, 2).join(' ');
    const bits = state.exceptions.get(key) ?? new Set<string>();
    // An exception is the opposite of the default: a matching rule adds bits, the other removes them.
    for (const b of rule.access) (rule.allow !== state.defaultAllow ? bits.add(b) : bits.delete(b));
    if (bits.size) state.exceptions.set(key, bits);
    else state.exceptions.delete(key);
  }
  return state;
}

const line = (key: string, bits: Iterable<string>) => `${key} ${['r', 'w', 'm'].filter((b) => new Set(bits).has(b)).join('')}`;

/** The writes that take the kernel from `current` to `target`. */
export function deviceTransition(current: V1DeviceState, target: V1DeviceState): DeviceWrite[] {
  const exceptionFile = target.defaultAllow ? 'devices.deny' : 'devices.allow';
  if (!current.exact || target.defaultAllow) {
    const reset: DeviceWrite = { file: target.defaultAllow ? 'devices.allow' : 'devices.deny', line: 'a *:* rwm' };
    return [reset, ...[...target.exceptions].map(([k, bits]) => ({ file: exceptionFile, line: line(k, bits) }) as DeviceWrite)];
  }
  // Both deny by default: grant what is new first, then take away what is gone.
  const writes: DeviceWrite[] = [];
  for (const [k, bits] of target.exceptions) {
    const missing = [...bits].filter((b) => !current.exceptions.get(k)?.has(b));
    if (missing.length) writes.push({ file: 'devices.allow', line: line(k, missing) });
  }
  for (const [k, bits] of current.exceptions) {
    const extra = [...bits].filter((b) => !target.exceptions.get(k)?.has(b));
    if (extra.length) writes.push({ file: 'devices.deny', line: line(k, extra) });
  }
  return writes;
}
