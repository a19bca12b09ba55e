// exec -> launch plan: join every namespace of the running container (user first), then the
// process part of the plan. No mounts: the joined mount namespace is the container's.
import { Process, Spec } from '../spec';
import { CLONE_FLAG } from './namespaces';
import { Op, PlanRecord } from './ops';
import { planExec, planIdentity, planRlimits, planSchedulingOps } from './process';
import { hasMountNamespace, identityAndSeccomp } from './build';
import type { CompiledSeccomp } from '../seccomp';

const PROC_NS_NAME: Record<string, string> = {
  pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
};

export interface ExecPlanInput {
  spec: Spec;
  process: Process;
  initPid: number;
  preserveFds: number;
  consoleFd?: number;
  lastCap: number;
  seccomp?: CompiledSeccomp;
}

export function buildExecPlan(input: ExecPlanInput): { records: PlanRecord[]; warnings: string[] } {
  const types = (input.spec.linux?.namespaces ?? []).map((n) => n.type);
  const ordered = [...types.filter((t) => t === 'user'), ...types.filter((t) => t !== 'user')];
  const records: PlanRecord[] = ordered.map((t) => ({ op: Op.NS_JOIN, args: [CLONE_FLAG[t], `/proc/${input.initPid}/ns/${PROC_NS_NAME[t]}`] }));
  records.push({ op: Op.CLONE, args: [0] }, { op: Op.SETSID, args: [] });
  // Sharing the host's mount namespace, the container is its init's root directory.
  if (!hasMountNamespace(input.spec)) records.push({ op: Op.CHROOT, args: [`/proc/${input.initPid}/root`] });
  const p = input.process;
  if (p.terminal) {
    const size = p.consoleSize ?? { height: 0, width: 0 };
    records.push({ op: Op.CONSOLE, args: [input.consoleFd!, size.height, size.width] });
  }
  records.push(...planRlimits(p), ...planSchedulingOps(p), { op: Op.CLOSE_FDS, args: [3 + input.preserveFds] });
  const exec = planExec(p);
  const identity = planIdentity(p, input.lastCap);
  const chdir = { op: Op.CHDIR, args: [p.cwd, 0] };
  // The first chdir, still privileged, may reach a cwd only the runtime can (as runc).
  records.push({ op: Op.CHDIR, args: [p.cwd, 1] });
  records.push(...identityAndSeccomp(identity, chdir, !!p.noNewPrivileges, input.seccomp));
  records.push(exec.check, { op: Op.READY, args: [] }, exec.exec);
  return { records, warnings: identity.warnings };
}
