// linux.seccomp -> BPF bytes (compiled by libseccomp in the addon) and the loader's flags.
import * as native from '../native';
import { RuntsError } from '../foundation/errors';
import { cachedFilter } from './seccomp-cache';

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: { names: string[]; action: string; errnoRet?: number; args?: { index: number; value: number; valueTwo?: number; op: string }[] }[];
}

const FILTER_FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};
const FLAG_TSYNC = 1;
const FLAG_NEW_LISTENER = 8;
/** TSYNC and NEW_LISTENER are exclusive unless a TSYNC failure reports ESRCH instead of a tid. */
const FLAG_TSYNC_ESRCH = 16;

export interface CompiledSeccomp {
  bpf: Buffer;
  flags: number;
  /** SCMP_ACT_NOTIFY is used: the filter's listener fd goes to the agent at listenerPath */
  notify?: { listenerPath: string; listenerMetadata?: string };
}

export function compileSeccomp(profile: SeccompProfile): CompiledSeccomp {
  let flags = 0;
  for (const f of profile.flags ?? []) {
    if (!(f in FILTER_FLAGS)) throw new RuntsError(`config.json: /linux/seccomp/flags: unsupported flag ${f}`, 'unsupported');
    flags |= FILTER_FLAGS[f];
  }
  const usesNotify = (profile.syscalls ?? []).some((s) => s.action === 'SCMP_ACT_NOTIFY');
  let notify: CompiledSeccomp['notify'];
  if (usesNotify) {
    if (!profile.listenerPath) throw new RuntsError('config.json: /linux/seccomp: SCMP_ACT_NOTIFY requires listenerPath', 'invalid');
    notify = { listenerPath: profile.listenerPath, listenerMetadata: profile.listenerMetadata };
    flags |= FLAG_NEW_LISTENER | (flags & FLAG_TSYNC ? FLAG_TSYNC_ESRCH : 0);
  }
  try {
    return { bpf: cachedFilter(profile, () => native.compileSeccomp(profile)), flags, notify };
  } catch (err) {
    throw new RuntsError(`config.json: /linux/seccomp: ${(err as Error).message}`, 'invalid');
  }
}
