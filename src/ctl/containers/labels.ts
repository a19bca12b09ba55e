// What runtsctl records about a container in its runtsd labels (as nerdctl does with
// nerdctl/*): name, network, published ports, address, so ps/port/inspect/rm need nothing else.
import { PortMapping } from '../../network/ports';

export const LABEL = {
  name: 'runtsctl/name',
  network: 'runtsctl/network',
  ports: 'runtsctl/ports',
  ip: 'runtsctl/ip',
  gateway: 'runtsctl/gateway',
  prefixLength: 'runtsctl/ip-prefix-length',
  mac: 'runtsctl/mac',
} as const;

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  network: string;
  ports: PortMapping[];
  ip: string;
  gateway: string;
  prefixLength: number;
  mac: string;
  createdAt: Date;
  spec: { process?: { args?: string[]; env?: string[]; terminal?: boolean } };
  labels: Record<string, string>;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function containerInfo(c: any): ContainerInfo {
  const labels: Record<string, string> = c.labels ?? {};
  let spec = {};
  try {
    spec = c.spec?.value ? JSON.parse(Buffer.from(c.spec.value).toString()) : {};
  } catch {
    // a container made by someone else with a spec we cannot read: show what we can
  }
  const seconds = Number(c.created_at?.seconds ?? 0);
  return {
    id: c.id,
    name: labels[LABEL.name] ?? c.id.slice(0, 12),
    image: c.image,
    network: labels[LABEL.network] ?? 'none',
    ports: labels[LABEL.ports] ? JSON.parse(labels[LABEL.ports]) : [],
    ip: labels[LABEL.ip] ?? '',
    gateway: labels[LABEL.gateway] ?? '',
    prefixLength: Number(labels[LABEL.prefixLength] ?? 0),
    mac: labels[LABEL.mac] ?? '',
    createdAt: new Date(seconds * 1000 + Math.floor(Number(c.created_at?.nanos ?? 0) / 1e6)),
    spec,
    labels,
  };
}
