// Namespace flags, and the stage-1 part of the plan: joins by path (user first), clone flags.
import { invalid } from '../../foundation/errors';
import { Linux } from '../spec';
import { Op, PlanRecord } from './ops';

export const CLONE_FLAG: Record<string, number> = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
  time: 0x00000080,
};

export interface NamespacePlan {
  stage1: PlanRecord[];
  /** new namespaces, by type */
  created: Set<string>;
  /** the cgroup namespace is unshared by the init once it sits in its cgroup */
  unshareCgroup: boolean;
}

export function planNamespaces(linux: Linux | undefined): NamespacePlan {
  const namespaces = linux?.namespaces ?? [];
  const created = new Set<string>();
  const joins: PlanRecord[] = [];
  let flags = 0;
  for (const ns of namespaces) {
    const flag = CLONE_FLAG[ns.type];
    if (flag === undefined) throw invalid(`config.json: unknown namespace type "${ns.type}"`);
    if (ns.path) {
      const join = { op: Op.NS_JOIN, args: [flag, ns.path] };
      // The user namespace first: joining it grants the rights to join the others.
      if (ns.type === 'user') joins.unshift(join);
      else joins.push(join);
    } else {
      created.add(ns.type);
      if (ns.type !== 'time' && ns.type !== 'cgroup') flags |= flag;
    }
  }
  const stage1 = [...joins];
  if (created.has('time')) {
    const off = linux?.timeOffsets ?? {};
    const mono = off.monotonic ?? {};
    const boot = off.boottime ?? {};
    stage1.push({ op: Op.TIME_OFFSETS, args: [mono.secs ?? 0, mono.nanosecs ?? 0, boot.secs ?? 0, boot.nanosecs ?? 0] });
  }
  stage1.push({ op: Op.CLONE, args: [flags >>> 0] });
  return { stage1, created, unshareCgroup: created.has('cgroup') };
}
