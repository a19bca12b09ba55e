// v1 net_cls (classid) and net_prio (per-interface priority map).
import type { V1Controller } from './controller';

export const netClsV1: V1Controller = {
  name: 'net_cls',
  apply(dir, r) {
    if (r.network?.classID !== undefined) dir.write('net_cls.classid', r.network.classID);
  },
};

export const netPrioV1: V1Controller = {
  name: 'net_prio',
  apply(dir, r) {
    for (const p of r.network?.priorities ?? []) dir.write('net_prio.ifpriomap', `${p.name} ${p.priority}`);
  },
};
