// Registry authentication per the distribution spec: a 401's WWW-Authenticate challenge says
// Basic (send the credentials) or Bearer (get a token from its realm for the scope, with the
// credentials when there are some, anonymously otherwise). Tokens are cached per host and scope
// until they expire. Credentials come from the caller or a Docker config.json.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { invalid } from '../foundation/errors';
import { Endpoint } from './hosts';
import { HttpClient, RegistryError, readLimited } from './http';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."` (several challenges may be listed). */
export function parseChallenges(value: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const skip = () => { while (i < value.length && /[\s,]/.test(value[i])) i++; };
  while (skip(), i < value.length) {
    const token = /^[^\s,=]+/.exec(value.slice(i))?.[0];
    if (!token) break;
    i += token.length;
    while (i < value.length && value[i] === ' ') i++;
    if (value[i] !== '=') {
      out.push({ scheme: token.toLowerCase(), params: {} });
      continue;
    }
    i++;
    let v = '';
    if (value[i] === '"') {
      for (i++; i < value.length && value[i] !== '"'; i++) v += value[i] === '\\' ? value[++i] ?? '' : value[i];
      i++;
    } else {
      v = /^[^\s,]*/.exec(value.slice(i))![0];
      i += v.length;
    }
    if (out.length) out[out.length - 1].params[token.toLowerCase()] = v;
  }
  return out;
}

/** Credentials for a host from a Docker config.json ($DOCKER_CONFIG or ~/.docker). */
export function dockerConfigCredentials(domain: string, file = defaultDockerConfig()): Credentials | undefined {
  let doc: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalid(`docker config ${file}: ${(err as Error).message}`);
  }
  const keys = domain === 'docker.io'
    ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io']
    : [domain, `https://${domain}`, `http://${domain}`];
  for (const [key, entry] of Object.entries(doc.auths ?? {})) {
    const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (!keys.includes(key) && !keys.includes(host)) continue;
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

function defaultDockerConfig(): string {
  return path.join(process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
}

interface CachedToken {
  value: string;
  expires: number;
}

const TOKEN_LIMIT = 1 << 20;
const DEFAULT_TOKEN_SECONDS = 60;

/** Authorization headers for one registry host, learnt from its challenges. */
export class Authorizer {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly http: HttpClient, private readonly credentials: Credentials | undefined) {}

  private basic(): string | undefined {
    const c = this.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  /** The header for a request needing `scope`, from what is known so far (maybe none). */
  async authorization(endpoint: Endpoint, scope: string): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') return this.basic();
    const cached = this.tokens.get(scope);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.value}`;
    return `Bearer ${await this.fetchToken(endpoint, scope)}`;
  }

  /**
   * Learns from a 401. Returns false when nothing new can be tried (same challenge answered
   * already): the caller then reports the 401 instead of asking again.
   */
  learn(value: string | undefined, scope: string, triedWith: string | undefined): boolean {
    const challenge = parseChallenges(value ?? '').find((c) => c.scheme === 'bearer' || c.scheme === 'basic');
    if (!challenge) return false;
    if (challenge.scheme === 'basic' && !this.credentials) return false;
    const known = this.challenge && this.challenge.scheme === challenge.scheme
      && JSON.stringify(this.challenge.params) === JSON.stringify(challenge.params);
    if (known && triedWith !== undefined) return false;
    this.challenge = challenge;
    this.tokens.delete(scope);
    return true;
  }

  private async fetchToken(endpoint: Endpoint, scope: string): Promise<string> {
    const { realm, service } = this.challenge!.params;
    if (!realm) throw new RegistryError(`registry ${endpoint.host}: bearer challenge without a realm`);
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const s of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    const basic = this.basic();
    if (basic) headers.authorization = basic;
    const res = await this.http.request({ ...endpoint, host: url.host }, { method: 'GET', url: url.toString(), headers, follow: true });
    const body = await readLimited(res.body, TOKEN_LIMIT, `token from ${url.host}`);
    if (res.status !== 200) {
      throw new RegistryError(`registry ${endpoint.host}: token request to ${url.origin}${url.pathname} failed: ${res.status}${res.status === 401 ? ' unauthorized (wrong credentials?)' : ''}`, res.status);
    }
    let doc: { token?: string; access_token?: string; expires_in?: number };
    try {
      doc = JSON.parse(body.toString());
    } catch {
      throw new RegistryError(`registry ${endpoint.host}: token response from ${url.host} is not JSON`);
    }
    const value = doc.token ?? doc.access_token;
    if (typeof value !== 'string' || !value) throw new RegistryError(`registry ${endpoint.host}: token response from ${url.host} has no token`);
    const seconds = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : DEFAULT_TOKEN_SECONDS;
    // Renew a little early so a token does not expire between its check and its use.
    this.tokens.set(scope, { value, expires: Date.now() + Math.max(1, seconds - 10) * 1000 });
    return value;
  }
}
