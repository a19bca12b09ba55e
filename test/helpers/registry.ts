// Debian's docker-registry on a loopback port (plain HTTP, or TLS with a test CA made by openssl
// and htpasswd basic auth), and OCI image layouts to push into it with skopeo: images of several
// gzip layers, one or two platforms.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import { buildTar, WriteEntry } from '../../src/diff/tar/writer';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestCa {
  caCert: string;
  cert: string;
  key: string;
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
export function makeTestCa(dir: string): TestCa {
  fs.mkdirSync(dir, { recursive: true });
  const p = (f: string) => path.join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=runts test CA', '-keyout', p('ca.key'), '-out', p('ca.crt'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', p('server.key'), '-out', p('server.csr'));
  fs.writeFileSync(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('ext.cnf'), '-out', p('server.crt'));
  return { caCert: p('ca.crt'), cert: p('server.crt'), key: p('server.key') };
}

/** A client certificate (clientAuth) signed by the test CA, as NAME.cert and NAME.key in `dir`. */
export function makeClientCert(ca: TestCa, dir: string, name = 'client'): { cert: string; key: string } {
  const p = (f: string) => path.join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.mkdirSync(dir, { recursive: true });
  const csr = p(`${name}.csr`);
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=runts test client', '-keyout', p(`${name}.key`), '-out', csr);
  fs.writeFileSync(p(`${name}.ext`), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  ssl('x509', '-req', '-in', csr, '-CA', ca.caCert, '-CAkey', ca.caCert.replace(/\.crt$/, '.key'), '-CAcreateserial', '-days', '2', '-extfile', p(`${name}.ext`), '-out', p(`${name}.cert`));
  fs.rmSync(csr);
  fs.rmSync(p(`${name}.ext`));
  return { cert: p(`${name}.cert`), key: p(`${name}.key`) };
}

export interface Registry {
  host: string;
  dir: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  tls?: TestCa;
  /** with tls: require a client certificate signed by the test CA */
  requireClientCert?: boolean;
  /** user -> password, written with htpasswd -B */
  users?: Record<string, string>;
}

export async function startRegistry(dir: string, options: RegistryOptions = {}): Promise<Registry> {
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const lines = ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`,
    '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`];
  if (options.tls) lines.push('  tls:', `    certificate: ${options.tls.cert}`, `    key: ${options.tls.key}`);
  if (options.tls && options.requireClientCert) lines.push('    clientcas:', `      - ${options.tls.caCert}`);
  if (options.users) {
    const file = path.join(dir, 'htpasswd');
    for (const [user, password] of Object.entries(options.users)) {
      execFileSync('htpasswd', ['-B', '-b', ...(fs.existsSync(file) ? [] : ['-c']), file, user, password], { stdio: 'ignore' });
    }
    lines.push('auth:', '  htpasswd:', '    realm: runts-test', `    path: ${file}`);
  }
  fs.writeFileSync(path.join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const log = fs.openSync(path.join(dir, 'registry.log'), 'w');
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`docker-registry did not start: ${fs.readFileSync(path.join(dir, 'registry.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    dir,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
    },
  };
}

export interface PlatformImage {
  architecture: string;
  /** Each layer's tar entries; a busybox layer first makes the image runnable. */
  layers: Array<Array<WriteEntry & { data?: Buffer | string }>>;
}

export interface BuiltLayout {
  dir: string;
  /** Root: the index when there are several platforms, else the manifest. */
  root: string;
  manifests: { architecture: string; digest: string; config: string; layers: string[]; diffIds: string[] }[];
}

export const busyboxLayer = (): Array<WriteEntry & { data?: Buffer }> => [
  { name: 'bin/', type: 'directory', mode: 0o755 },
  { name: 'bin/busybox', type: 'file', mode: 0o755, data: fs.readFileSync('/bin/busybox') },
  { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
];

export const fileLayer = (name: string, data: Buffer | string): Array<WriteEntry & { data?: Buffer | string }> =>
  [{ name, type: 'file', mode: 0o644, data }];

export const randomLayer = (name: string, bytes: number) => fileLayer(name, randomBytes(bytes));

/** An OCI layout holding one image (one platform: a manifest; several: an index of them). */
export function writeLayout(dir: string, platforms: PlatformImage[], gzipLevel = 1): BuiltLayout {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer) => {
    const digest = sha256(data);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const manifests = platforms.map((p) => {
    const tars = p.layers.map((entries) => buildTar(entries));
    const layers = tars.map((t) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(zlib.gzipSync(t, { level: gzipLevel })) }));
    const diffIds = tars.map(sha256);
    const config = put(json({ architecture: p.architecture, os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
    const manifest = put(json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers }));
    return { architecture: p.architecture, ...manifest, config: config.digest, layers: layers.map((l) => l.digest), diffIds };
  });
  const entry = (m: (typeof manifests)[number]) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size, platform: { os: 'linux', architecture: m.architecture },
  });
  let root = manifests[0].digest;
  let top = [{ ...entry(manifests[0]), annotations: { 'org.opencontainers.image.ref.name': 'latest' } }];
  if (platforms.length > 1) {
    const index = put(json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: manifests.map(entry) }));
    root = index.digest;
    top = [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: index.digest, size: index.size, annotations: { 'org.opencontainers.image.ref.name': 'latest' } } as never];
  }
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: top }));
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return { dir, root, manifests: manifests.map(({ architecture, digest, config, layers, diffIds }) => ({ architecture, digest, config, layers, diffIds })) };
}

/** skopeo copy of a layout to a registry (all platforms, digests preserved). */
export function skopeoPush(layout: string, dest: string, flags: string[] = ['--dest-tls-verify=false']): void {
  execFileSync('skopeo', ['copy', '--all', '--preserve-digests', '--quiet', ...flags, `oci:${layout}:latest`, `docker://${dest}`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120000 });
}

/** The digest a registry serves for a reference, as skopeo sees it. */
export function skopeoDigest(ref: string, flags: string[] = ['--tls-verify=false']): string {
  const raw = execFileSync('skopeo', ['inspect', '--raw', ...flags, `docker://${ref}`], { timeout: 60000 });
  return sha256(raw);
}
