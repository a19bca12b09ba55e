// linux.seccomp -> BPF bytes (compiled by libseccomp in the addon) and the loader's flags.
import * as native from '../native';
import { RuntsError } from './errors';

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  syscalls?: { names: string[]; action: string; errnoRet?: number; args?: { index: number; value: number; valueTwo?: number; op: string }[] }[];
}

const FILTER_FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};

export interface CompiledSeccomp {
  bpf: Buffer;
  flags: number;
}

export function compileSeccomp(profile: SeccompProfile): CompiledSeccomp {
  const notify = profile.defaultAction === 'SCMP_ACT_NOTIFY' || (profile.syscalls ?? []).some((s) => s.action === 'SCMP_ACT_NOTIFY');
  if (notify || profile.listenerPath) {
    throw new RuntsError('config.json: /linux/seccomp: SCMP_ACT_NOTIFY and listenerPath are not supported by runts yet', 'unsupported');
  }
  let flags = 0;
  for (const f of profile.flags ?? []) {
    if (!(f in FILTER_FLAGS)) throw new RuntsError(`config.json: /linux/seccomp/flags: unsupported flag ${f}`, 'unsupported');
    flags |= FILTER_FLAGS[f];
  }
  try {
    return { bpf: native.compileSeccomp(profile), flags };
  } catch (err) {
    throw new RuntsError(`config.json: /linux/seccomp: ${(err as Error).message}`, 'invalid');
  }
}
