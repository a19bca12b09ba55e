// Seccomp rules from config-linux.md that the schema cannot express.
import { Seccomp, SeccompAction } from '../../foundation/spec-types';
import { Violation, violation } from './pointer';

const INIT_HANDOFF_SYSCALLS = new Set(['write', 'sendmsg', 'recvfrom']);
const ERRNO_ACTIONS = new Set<SeccompAction>(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

export function checkSeccomp(seccomp: Seccomp | undefined): Violation | undefined {
  if (!seccomp) return undefined;
  const at = '/linux/seccomp';
  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY') {
    return violation(`${at}/defaultAction`, 'SCMP_ACT_NOTIFY cannot be the default action');
  }
  if (seccomp.defaultErrnoRet !== undefined && !ERRNO_ACTIONS.has(seccomp.defaultAction)) {
    return violation(`${at}/defaultErrnoRet`, `only applies to SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${seccomp.defaultAction}`);
  }
  if (seccomp.listenerMetadata !== undefined && !seccomp.listenerPath) {
    return violation(`${at}/listenerMetadata`, 'requires listenerPath');
  }
  for (const [i, rule] of (seccomp.syscalls ?? []).entries()) {
    const where = `${at}/syscalls/${i}`;
    if (rule.errnoRet !== undefined && !ERRNO_ACTIONS.has(rule.action)) {
      return violation(`${where}/errnoRet`, `only applies to SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${rule.action}`);
    }
    if (rule.action !== 'SCMP_ACT_NOTIFY') continue;
    if (!seccomp.listenerPath) return violation(`${where}/action`, 'SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath');
    // runts-init hands the listener fd to the runtime (sendmsg) and waits for the agent to hold
    // it (recvfrom) under the filter: notifying those would wait on itself. write as in runc.
    const own = rule.names.find((n) => INIT_HANDOFF_SYSCALLS.has(n));
    if (own) return violation(`${where}/names`, `SCMP_ACT_NOTIFY cannot be used for ${own}`);
  }
  return undefined;
}
