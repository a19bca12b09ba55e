// One repository on one registry: requests go to its endpoints in order (mirrors, then the
// server), carry the authorization the registry's challenge asked for, and a second 401 for the
// same challenge ends with one "unauthorized" error instead of a loop.
import { Authorizer, Credentials, dockerConfigCredentials } from './auth';
import { Endpoint, HostsOptions, endpointUrl, endpointsFor } from './hosts';
import { HttpClient, HttpRequest, HttpResponse, RegistryError, header, isTlsMismatch, readLimited } from './http';
import { Reference } from '../image/reference';

export interface RegistryOptions extends HostsOptions {
  credentials?: Credentials;
  /** Docker config.json to read credentials from when none are given; null: none. */
  dockerConfig?: string | null;
  /** Shared connection pools (the daemon keeps one); a private one is made otherwise. */
  http?: HttpClient;
}

export interface RepoRequest {
  method: HttpRequest['method'];
  /** Path under /v2/<repository>/, e.g. manifests/latest; or an absolute URL (upload locations). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | AsyncIterable<Buffer>;
  /** Extra scopes (a cross-repository mount's source). */
  scopes?: string[];
  /** Statuses the caller handles itself; others become a RegistryError. */
  accept: number[];
}

const ERROR_BODY_LIMIT = 64 << 10;

export class RepositoryClient {
  readonly endpoints: Endpoint[];
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;
  private readonly auth: Map<string, Authorizer> = new Map();
  private readonly credentials: Credentials | undefined;

  constructor(readonly ref: Reference, private readonly push: boolean, options: RegistryOptions = {}) {
    this.endpoints = endpointsFor(ref.domain, options).filter((e) => e.capabilities.has(push ? 'push' : 'pull'));
    if (this.endpoints.length === 0) throw new RegistryError(`registry ${ref.domain}: no host configured for ${push ? 'push' : 'pull'}`, undefined, 'invalid');
    this.http = options.http ?? new HttpClient();
    this.ownsHttp = !options.http;
    this.credentials = options.credentials
      ?? (options.dockerConfig === null ? undefined : dockerConfigCredentials(ref.domain, options.dockerConfig));
  }

  private scope(extra: string[] = []): string {
    return [`repository:${this.ref.path}:${this.push ? 'pull,push' : 'pull'}`, ...extra].join(' ');
  }

  private authorizer(e: Endpoint): Authorizer {
    let a = this.auth.get(e.host);
    if (!a) this.auth.set(e.host, (a = new Authorizer(this.http, this.credentials)));
    return a;
  }

  /** The URL of a path in this repository on an endpoint. */
  url(e: Endpoint, path: string): string {
    return /^https?:\/\//.test(path) ? path : `${endpointUrl(e)}/${this.ref.path}/${path}`;
  }

  /**
   * Sends a request to the first endpoint that answers; a 404 from a mirror moves on to the
   * next one. Resolves with the response when its status is in `accept`.
   */
  async send(req: RepoRequest, only?: Endpoint): Promise<HttpResponse & { endpoint: Endpoint }> {
    const endpoints = only ? [only] : this.endpoints;
    let last: Error | undefined;
    for (const [i, e] of endpoints.entries()) {
      const isLast = i === endpoints.length - 1;
      try {
        const res = await this.sendTo(e, req);
        if (res.status === 404 && !isLast && !req.accept.includes(404)) {
          await res.body.dump().catch(() => undefined);
          continue;
        }
        if (!req.accept.includes(res.status)) throw await this.failure(req, e, res);
        return { ...res, endpoint: e };
      } catch (err) {
        last = err as Error;
        if (isLast || (err instanceof RegistryError && err.status !== undefined)) throw err;
      }
    }
    throw last!;
  }

  private async sendTo(e: Endpoint, req: RepoRequest): Promise<HttpResponse> {
    const scope = this.scope(req.scopes);
    const authorizer = this.authorizer(e);
    for (let attempt = 0; ; attempt++) {
      const authorization = await authorizer.authorization(e, scope);
      const headers: Record<string, string> = { ...req.headers };
      if (authorization) headers.authorization = authorization;
      const res = await this.withFallback(e, (endpoint) => this.http.request(endpoint, {
        method: req.method, url: this.url(endpoint, req.path), headers, body: req.body, follow: req.method === 'GET' || req.method === 'HEAD',
      }));
      // A streamed body cannot be sent twice: callers authenticate with a bodiless request first.
      const streamed = req.body !== undefined && !Buffer.isBuffer(req.body);
      if (res.status !== 401 || attempt > 0 || streamed || !authorizer.learn(header(res, 'www-authenticate'), scope, authorization)) return res;
      await res.body.dump().catch(() => undefined);
    }
  }

  /** A loopback registry without configuration may speak plain HTTP: learn it once. */
  private async withFallback<T>(e: Endpoint, send: (e: Endpoint) => Promise<T>): Promise<T> {
    try {
      return await send(e);
    } catch (err) {
      if (!e.httpFallback || e.scheme === 'http' || !isTlsMismatch(err)) throw err;
      e.scheme = 'http';
      return send(e);
    }
  }

  private async failure(req: RepoRequest, e: Endpoint, res: HttpResponse): Promise<RegistryError> {
    let detail = '';
    try {
      const body = await readLimited(res.body, ERROR_BODY_LIMIT, 'error body');
      const doc = JSON.parse(body.toString()) as { errors?: { code?: string; message?: string }[] };
      detail = (doc.errors ?? []).map((x) => [x.code, x.message].filter(Boolean).join(': ')).join('; ');
    } catch {
      res.body.destroy();
    }
    const what = `${req.method} ${this.url(e, req.path).replace(/\?.*$/, '')}`;
    const text = res.status === 401 ? 'unauthorized: authentication required' : res.status === 404 ? 'not found' : `status ${res.status}`;
    return new RegistryError(`${what}: ${text}${detail ? ` (${detail})` : ''}`, res.status, res.status === 404 ? 'not-found' : 'system');
  }

  async close(): Promise<void> {
    if (this.ownsHttp) await this.http.close();
  }
}

