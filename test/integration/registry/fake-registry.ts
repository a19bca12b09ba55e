// A registry that misbehaves on purpose, in the test process on loopback: each repository name
// is a scenario (wrong digests, huge manifests, redirect and 401 loops, truncated or endless
// blobs, huge headers, blobs redirected to another host), all serving one small valid image
// behind anonymous bearer tokens. It records what it was asked, to check ranges and headers.
import * as http from 'http';
import * as net from 'net';
import * as zlib from 'zlib';
import { createHash, randomBytes } from 'crypto';
import { buildTar } from '../../../src/diff/tar/writer';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface FakeImage {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  configDigest: string;
  layers: Buffer[];
  layerDigests: string[];
}

export function makeImage(): FakeImage {
  const tars = [
    buildTar([{ name: 'hello', type: 'file', mode: 0o644, data: 'hello\n' }]),
    buildTar([{ name: 'big.bin', type: 'file', mode: 0o644, data: randomBytes(2 << 20) }]),
  ];
  const layers = tars.map((t) => zlib.gzipSync(t, { level: 1 }));
  const config = Buffer.from(JSON.stringify({ architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: tars.map(sha256) } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(l), size: l.length })),
  }));
  return { manifest, manifestDigest: sha256(manifest), config, configDigest: sha256(config), layers, layerDigests: layers.map(sha256) };
}

export interface Seen {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface FakeRegistry {
  host: string;
  /** A second server (another port) that blobs are redirected to. */
  storageHost: string;
  image: FakeImage;
  seen: Seen[];
  storageSeen: Seen[];
  tokens: number;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const image = makeImage();
  const blobs = new Map<string, Buffer>([[image.configDigest, image.config], ...image.layerDigests.map((d, i) => [d, image.layers[i]] as [string, Buffer])]);
  const state = { tokens: 0, seen: [] as Seen[], storageSeen: [] as Seen[] };
  const truncatedOnce = new Set<string>();
  const sockets = new Set<net.Socket>();

  const storage = http.createServer((req, res) => {
    state.storageSeen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    const blob = blobs.get(req.url!.slice(1));
    if (!blob) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': blob.length }).end(blob);
  });
  const storagePort = await listen(storage);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    state.seen.push({ method: req.method!, url: req.url!, range: req.headers.range, authorization: req.headers.authorization });
    if (url.pathname === '/token') {
      state.tokens++;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `tok-${url.searchParams.get('scope')}`, expires_in: 300 }));
    }
    if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
    const m = /^\/v2\/([a-z0-9-]+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    const [, scenario, kind, ref] = m;
    const challenge = `Bearer realm="http://${req.headers.host}/token",service="fake",scope="repository:${scenario}:pull"`;
    if (scenario === 'unauthorized-loop' || req.headers.authorization !== `Bearer tok-repository:${scenario}:pull`) {
      return void res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    if (kind === 'manifests') {
      if (scenario === 'missing') return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      if (scenario === 'redirect-loop') return void res.writeHead(302, { location: `/v2/${scenario}/manifests/${ref === 'a' ? 'b' : 'a'}` }).end();
      if (scenario === 'huge-headers') return void res.writeHead(200, { 'x-filler': 'x'.repeat(200 << 10) }).end();
      if (scenario === 'huge-manifest' || scenario === 'huge-manifest-chunked') {
        const huge = Buffer.alloc(5 << 20, 0x20);
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...(scenario === 'huge-manifest' ? { 'content-length': huge.length } : {}) });
        return void res.end(huge);
      }
      return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': image.manifestDigest, 'content-length': image.manifest.length }).end(image.manifest);
    }
    let blob = blobs.get(ref);
    if (!blob) return void res.writeHead(404).end();
    const isBig = ref === image.layerDigests[1];
    if (scenario === 'wrong-digest' && isBig) blob = Buffer.from(blob).fill(0x41, 1000, 2000);
    if (scenario === 'redirect-blob') return void res.writeHead(307, { location: `http://localhost:${storagePort}/${ref}` }).end();
    if (scenario === 'endless' && isBig) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 << 10, 0x42);
      const pump = () => { while (res.write(chunk)) { /* until the socket is full */ } };
      res.on('drain', pump);
      return pump();
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = blob.subarray(start);
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'content-length': body.length };
    if (range) headers['content-range'] = `bytes ${start}-${blob.length - 1}/${blob.length}`;
    res.writeHead(range ? 206 : 200, headers);
    // truncated-once-<anything>: each such repository drops its first download only.
    const drop = isBig && ((scenario.startsWith('truncated-once') && !truncatedOnce.has(scenario)) || scenario === 'truncated-always');
    if (drop) {
      truncatedOnce.add(scenario);
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const port = await listen(server);

  return {
    host: `127.0.0.1:${port}`,
    storageHost: `localhost:${storagePort}`,
    image,
    get seen() { return state.seen; },
    get storageSeen() { return state.storageSeen; },
    get tokens() { return state.tokens; },
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await Promise.all([server, storage].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
