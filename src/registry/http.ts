// HTTP for the registry client, over undici: one connection pool per TLS setting, bounded header
// size and idle time (a registry that stalls or sends huge headers fails instead of hanging),
// redirects followed by hand so that a loop is caught and credentials never go to another host
// (blobs are often redirected to object storage).
import * as tls from 'tls';
import { Agent, Dispatcher } from 'undici';
import { RuntsError } from '../foundation/errors';
import { Endpoint } from './hosts';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
  /** The URL that answered (after redirects). */
  url: string;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | AsyncIterable<Buffer>;
  /** Follow redirects (GET/HEAD only). */
  follow?: boolean;
}

const MAX_REDIRECTS = 8;
const MAX_HEADER_BYTES = 64 << 10;
const HEADERS_TIMEOUT_MS = 30_000;
const IDLE_BODY_TIMEOUT_MS = 30_000;

export const header = (r: { headers: HttpResponse['headers'] }, name: string): string | undefined => {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** A registry's HTTP failure, one line naming what was asked and what came back. */
export class RegistryError extends RuntsError {
  /** A dropped or refused connection: trying again may work. */
  retryable = false;

  constructor(message: string, readonly status?: number, kind: RuntsError['kind'] = 'system') {
    super(message, kind);
  }
}

type TlsSettings = Pick<Endpoint, 'ca' | 'skipVerify' | 'clientCert'>;

export class HttpClient {
  private readonly agents = new Map<string, Agent>();

  private agentFor(tlsSettings: TlsSettings): Agent {
    const client = tlsSettings.clientCert;
    const key = [tlsSettings.skipVerify, ...tlsSettings.ca, client?.cert, client?.key].map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v))).join(':');
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        maxHeaderSize: MAX_HEADER_BYTES,
        headersTimeout: HEADERS_TIMEOUT_MS,
        bodyTimeout: IDLE_BODY_TIMEOUT_MS,
        connect: {
          ...(tlsSettings.ca.length ? { ca: [...tls.rootCertificates, ...tlsSettings.ca.map(String)] } : {}),
          rejectUnauthorized: !tlsSettings.skipVerify,
          ...(client ? { cert: client.cert, key: client.key } : {}),
        },
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** One request; redirects are followed for GET/HEAD when asked, with a loop and hop limit. */
  async request(endpoint: Endpoint, req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    const origin = new URL(url).host;
    const seen = new Set<string>();
    for (let hop = 0; ; hop++) {
      const target = new URL(url);
      // Credentials (and the client certificate) are for the registry; a redirect elsewhere
      // (object storage) goes without.
      const headers = { ...req.headers };
      if (target.host !== origin) delete headers.authorization;
      const sameHost = target.host === endpoint.host;
      const agent = this.agentFor(sameHost ? endpoint : { ca: [], skipVerify: false });
      let res: Dispatcher.ResponseData;
      try {
        res = await agent.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: req.method,
          headers,
          body: req.body as Dispatcher.DispatchOptions['body'],
        });
      } catch (err) {
        throw connectionError(target, err);
      }
      const location = header(res, 'location');
      if (!req.follow || ![301, 302, 303, 307, 308].includes(res.statusCode) || !location) {
        return { status: res.statusCode, headers: res.headers, body: res.body, url };
      }
      await res.body.dump().catch(() => undefined);
      const next = new URL(location, url).toString();
      if (seen.has(next) || hop >= MAX_REDIRECTS) {
        throw new RegistryError(`${req.method} ${req.url}: ${seen.has(next) ? 'redirect loop' : `more than ${MAX_REDIRECTS} redirects`} (last to ${next})`, res.statusCode);
      }
      seen.add(url);
      url = next;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close().catch(() => undefined)));
    this.agents.clear();
  }
}

/** True when a connection to a plain-HTTP server was attempted with TLS. An alert (e.g. "certificate
 * required") comes from a peer that speaks TLS, so it is never one. */
export function isTlsMismatch(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  if (code.includes('_ALERT_')) return false;
  return code === 'EPROTO' || code.startsWith('ERR_SSL_') || /wrong version number|packet length too long/.test(cause?.message ?? '');
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  UND_ERR_HEADERS_OVERFLOW: 'response headers too large',
  UND_ERR_HEADERS_TIMEOUT: `no response within ${HEADERS_TIMEOUT_MS / 1000}s`,
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

function connectionError(target: URL, err: unknown): RegistryError {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.cause?.code ?? e.code ?? '';
  // TLS failures (unknown CA, wrong name...) keep OpenSSL's words; socket ones get plain ones.
  const detail = SOCKET_ERRORS[e.code ?? ''] ?? SOCKET_ERRORS[code] ?? ([e.cause?.message, e.message].find(Boolean) ?? code);
  const error = new RegistryError(`cannot reach registry ${target.host} (${target.protocol.slice(0, -1)}): ${detail}`);
  (error as { cause?: unknown }).cause = e.cause ?? e;
  error.retryable = true;
  return error;
}

/** Reads a whole body, refusing more than `limit` bytes. */
export async function readLimited(body: AsyncIterable<Buffer> & { destroy?: () => void }, limit: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy?.();
      throw new RegistryError(`${what} is larger than the ${limit}-byte limit`, undefined, 'invalid');
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
