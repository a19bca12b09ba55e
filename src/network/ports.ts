// Published ports: docker's `-p [IP:]HOST:CTR[/tcp|udp]` (and `-p CTR`, which docker maps to a
// free host port: not supported here), turned into CNI's portMappings capability argument.
import { invalid } from '../foundation/errors';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIP: string;
}

const port = (text: string, spec: string): number => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw invalid(`invalid port "${text}" in -p ${spec}: a port is 1-65535`);
  return n;
};

export function parsePublish(spec: string): PortMapping {
  const [addr, proto = 'tcp', extra] = spec.split('/');
  if (extra !== undefined || (proto !== 'tcp' && proto !== 'udp')) throw invalid(`invalid -p ${spec}: the protocol must be tcp or udp`);
  // An IPv6 host address comes in brackets: [::1]:8080:80.
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[0-9.]+):)?(\d*):(\d+)$/.exec(addr);
  if (!m) throw invalid(`invalid -p ${spec}: expected [IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]`);
  const [, ip = '', host, ctr] = m;
  if (host === '') throw invalid(`invalid -p ${spec}: a host port is required`);
  const hostIP = ip.replace(/^\[|\]$/g, '');
  if (hostIP && !/^(\d{1,3}\.){3}\d{1,3}$/.test(hostIP) && !hostIP.includes(':')) throw invalid(`invalid -p ${spec}: bad host IP ${hostIP}`);
  return { hostPort: port(host, spec), containerPort: port(ctr, spec), protocol: proto, hostIP };
}

/** Two mappings want the same host socket (an empty IP is every address). */
export function portsClash(a: PortMapping, b: PortMapping): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort && (a.hostIP === '' || b.hostIP === '' || a.hostIP === b.hostIP);
}

/** docker's `port` lines: "80/tcp -> 0.0.0.0:8080". */
export const formatPort = (p: PortMapping) => `${p.containerPort}/${p.protocol} -> ${p.hostIP || '0.0.0.0'}:${p.hostPort}`;
