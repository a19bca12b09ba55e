// Where a registry host is reached and how, from containerd's hosts directory layout:
// <dir>/<host[:port]>/hosts.toml (server, ca, skip_verify, capabilities, [host."url"] mirrors
// tried first) and any *.crt there as extra CAs; TLS client certificates (client-certs.ts). Without configuration: HTTPS with the system
// CAs, docker.io at registry-1.docker.io; plain HTTP only when asked (--plain-http), configured
// (server = "http://..."), or for a loopback host that does not speak TLS.
import * as fs from 'fs';
import * as path from 'path';
import { invalid, systemError } from '../foundation/errors';
import { parseToml } from '../foundation/toml';
import { ClientCert, configuredClientCerts, directoryClientCerts } from './client-certs';

export type Capability = 'pull' | 'resolve' | 'push';

export interface Endpoint {
  scheme: 'http' | 'https';
  /** host[:port] to connect to */
  host: string;
  /** API root, normally /v2 */
  apiPath: string;
  /** PEM CAs trusted besides the system's */
  ca: Buffer[];
  skipVerify: boolean;
  /** The certificate presented when the registry asks for one: the first configured pair. */
  clientCert?: ClientCert;
  capabilities: Set<Capability>;
  /** A loopback host with no configuration: HTTPS first, plain HTTP when it does not speak TLS. */
  httpFallback: boolean;
}

export interface HostsOptions {
  /** containerd's certs.d-style directory; missing is fine */
  hostsDir?: string;
  /** Use plain HTTP for the registry itself (ctr --plain-http). */
  plainHttp?: boolean;
}

export const DEFAULT_HOSTS_DIR = '/etc/containerd/certs.d';
const ALL: Capability[] = ['pull', 'resolve', 'push'];

export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function readCa(dir: string, value: unknown, where: string): Buffer[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.map((v) => {
    if (typeof v !== 'string') throw invalid(`${where}: ca must be a path or a list of paths`);
    const file = path.isAbsolute(v) ? v : path.join(dir, v);
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw systemError(`${where}: reading CA ${file}`, err);
    }
  });
}

function capabilitiesOf(value: unknown, where: string): Set<Capability> {
  if (value === undefined) return new Set(ALL);
  if (!Array.isArray(value) || value.some((c) => !ALL.includes(c))) {
    throw invalid(`${where}: capabilities must be a list of "pull", "resolve", "push"`);
  }
  return new Set(value as Capability[]);
}

interface HostDirFiles {
  /** *.crt */
  ca: Buffer[];
  /** NAME.cert + NAME.key */
  clientCerts: ClientCert[];
}

function endpointOf(url: string, table: Record<string, unknown>, dir: string, where: string, files: HostDirFiles): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url.includes('://') ? url : `https://${url}`);
  } catch {
    throw invalid(`${where}: "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(`${where}: "${url}" must be http or https`);
  let apiPath = parsed.pathname.replace(/\/+$/, '');
  if (!apiPath) apiPath = '/v2';
  else if (!apiPath.endsWith('/v2') && table.override_path !== true) apiPath += '/v2';
  if (table.skip_verify !== undefined && typeof table.skip_verify !== 'boolean') throw invalid(`${where}: skip_verify must be a boolean`);
  return {
    scheme: parsed.protocol === 'http:' ? 'http' : 'https',
    host: parsed.host,
    apiPath,
    ca: [...readCa(dir, table.ca, where), ...files.ca],
    skipVerify: table.skip_verify === true,
    clientCert: [...configuredClientCerts(dir, table.client, where), ...files.clientCerts][0],
    capabilities: capabilitiesOf(table.capabilities, where),
    httpFallback: false,
  };
}

function defaultServer(domain: string): string {
  return domain === 'docker.io' ? 'https://registry-1.docker.io' : `https://${domain}`;
}

/** Directory names containerd accepts for a host: "host:port" as is, and "_default". */
function hostDir(hostsDir: string, domain: string): string | undefined {
  for (const name of [domain, '_default']) {
    const dir = path.join(hostsDir, name);
    if (fs.existsSync(dir)) return dir;
  }
  return undefined;
}

/** The endpoints to try for a registry host, mirrors first, the server last. */
export function endpointsFor(domain: string, options: HostsOptions = {}): Endpoint[] {
  const dir = hostDir(options.hostsDir ?? DEFAULT_HOSTS_DIR, domain);
  let doc: Record<string, unknown> = {};
  const files: HostDirFiles = { ca: [], clientCerts: [] };
  if (dir) {
    const file = path.join(dir, 'hosts.toml');
    if (fs.existsSync(file)) doc = parseToml(fs.readFileSync(file, 'utf8'), file);
    files.ca = fs.readdirSync(dir).filter((f) => f.endsWith('.crt')).sort().map((f) => fs.readFileSync(path.join(dir, f)));
    files.clientCerts = directoryClientCerts(dir);
  }
  const where = dir ? path.join(dir, 'hosts.toml') : domain;
  const endpoints: Endpoint[] = [];
  const hosts = (doc.host ?? {}) as Record<string, Record<string, unknown>>;
  for (const [url, table] of Object.entries(hosts)) {
    endpoints.push(endpointOf(url, table, dir!, `${where} [host."${url}"]`, files));
  }
  const configured = typeof doc.server === 'string';
  if (doc.server !== undefined && !configured) throw invalid(`${where}: server must be a URL string`);
  const server = endpointOf(configured ? doc.server as string : defaultServer(domain), doc, dir ?? '', where, files);
  if (options.plainHttp) server.scheme = 'http';
  else if (!configured && server.ca.length === 0 && isLoopback(domain)) server.httpFallback = true;
  endpoints.push(server);
  if (options.plainHttp) for (const e of endpoints) e.scheme = 'http';
  return endpoints;
}

export const endpointUrl = (e: Endpoint) => `${e.scheme}://${e.host}${e.apiPath}`;
