import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { endpointsFor, isLoopback } from '../../../src/registry/hosts';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-hosts-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('without configuration: HTTPS, docker.io at registry-1, loopback may fall back to HTTP', () => {
  expect(endpointsFor('docker.io', { hostsDir: dir })).toMatchObject([{ scheme: 'https', host: 'registry-1.docker.io', apiPath: '/v2', httpFallback: false }]);
  expect(endpointsFor('quay.io', { hostsDir: dir })).toMatchObject([{ scheme: 'https', host: 'quay.io', httpFallback: false }]);
  expect(endpointsFor('127.0.0.1:5000', { hostsDir: dir })).toMatchObject([{ scheme: 'https', host: '127.0.0.1:5000', httpFallback: true }]);
  expect(endpointsFor('example.com', { hostsDir: dir, plainHttp: true })).toMatchObject([{ scheme: 'http', host: 'example.com' }]);
  expect(['localhost:1', '127.1.2.3', '[::1]:5000'].every(isLoopback)).toBe(true);
  expect(isLoopback('10.0.0.1:5000')).toBe(false);
});

test('hosts.toml: mirrors first with their capabilities and CA, then the server; *.crt files are CAs', () => {
  const hostDir = path.join(dir, 'registry.example:5000');
  fs.mkdirSync(hostDir);
  fs.writeFileSync(path.join(hostDir, 'extra.crt'), 'EXTRA');
  fs.writeFileSync(path.join(hostDir, 'mirror.pem'), 'MIRROR');
  fs.writeFileSync(path.join(hostDir, 'hosts.toml'), [
    'server = "http://registry.example:5000"',
    '[host."https://mirror.example/base"]',
    '  capabilities = ["pull", "resolve"]',
    '  ca = "mirror.pem"',
    '  skip_verify = true',
  ].join('\n'));
  const [mirror, server] = endpointsFor('registry.example:5000', { hostsDir: dir });
  expect(mirror).toMatchObject({ scheme: 'https', host: 'mirror.example', apiPath: '/base/v2', skipVerify: true });
  expect([...mirror.capabilities]).toEqual(['pull', 'resolve']);
  expect(mirror.ca.map(String)).toEqual(['MIRROR', 'EXTRA']);
  expect(server).toMatchObject({ scheme: 'http', host: 'registry.example:5000', apiPath: '/v2', httpFallback: false });
  expect([...server.capabilities]).toEqual(['pull', 'resolve', 'push']);
});

test('a loopback host with a CA is HTTPS only; bad files are one clear error', () => {
  fs.mkdirSync(path.join(dir, '127.0.0.1:5000'));
  fs.writeFileSync(path.join(dir, '127.0.0.1:5000', 'ca.crt'), 'CA');
  expect(endpointsFor('127.0.0.1:5000', { hostsDir: dir })).toMatchObject([{ scheme: 'https', httpFallback: false }]);
  fs.mkdirSync(path.join(dir, 'bad.example'));
  fs.writeFileSync(path.join(dir, 'bad.example', 'hosts.toml'), 'server = "ftp://x"');
  expect(() => endpointsFor('bad.example', { hostsDir: dir })).toThrow(/hosts.toml: "ftp:\/\/x" must be http or https/);
  fs.writeFileSync(path.join(dir, 'bad.example', 'hosts.toml'), '[host."https://m"]\n  ca = "/no/such.pem"');
  expect(() => endpointsFor('bad.example', { hostsDir: dir })).toThrow(/reading CA \/no\/such.pem: no such file/);
});

/** A self-signed certificate and its key, by openssl (Node cannot issue certificates). */
function selfSigned(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}

test('client certificates: hosts.toml `client` (pairs, combined files, relative paths) before NAME.cert + NAME.key', () => {
  const a = selfSigned('a');
  const b = selfSigned('b');
  const hostDir = path.join(dir, 'registry.example');
  fs.mkdirSync(hostDir);
  fs.writeFileSync(path.join(hostDir, 'b.cert'), b.cert);
  fs.writeFileSync(path.join(hostDir, 'b.key'), b.key);
  expect(endpointsFor('registry.example', { hostsDir: dir })[0].clientCert).toEqual({ cert: Buffer.from(b.cert), key: Buffer.from(b.key) });

  fs.writeFileSync(path.join(hostDir, 'a.pem'), a.cert);
  fs.writeFileSync(path.join(hostDir, 'a.key'), a.key);
  fs.writeFileSync(path.join(hostDir, 'hosts.toml'), 'client = [["a.pem", "a.key"]]');
  expect(endpointsFor('registry.example', { hostsDir: dir })[0].clientCert).toEqual({ cert: Buffer.from(a.cert), key: Buffer.from(a.key) });

  fs.writeFileSync(path.join(hostDir, 'both.pem'), a.cert + a.key);
  fs.writeFileSync(path.join(hostDir, 'hosts.toml'), 'client = "both.pem"');
  expect(endpointsFor('registry.example', { hostsDir: dir })[0].clientCert?.cert.toString()).toBe(a.cert + a.key);
});

test('a client certificate without its key, or not a certificate, is one clear error naming the file', () => {
  const a = selfSigned('a');
  const hostDir = path.join(dir, 'registry.example');
  fs.mkdirSync(hostDir);
  fs.writeFileSync(path.join(hostDir, 'a.pem'), a.cert);
  fs.writeFileSync(path.join(hostDir, 'hosts.toml'), 'client = "a.pem"');
  expect(() => endpointsFor('registry.example', { hostsDir: dir })).toThrow(`${hostDir}/hosts.toml: ${hostDir}/a.pem holds no PEM private key`);
  fs.writeFileSync(path.join(hostDir, 'hosts.toml'), 'client = [["a.key", "a.pem"]]');
  fs.writeFileSync(path.join(hostDir, 'a.key'), a.key);
  expect(() => endpointsFor('registry.example', { hostsDir: dir })).toThrow(`${hostDir}/a.key holds no PEM certificate`);
  fs.writeFileSync(path.join(hostDir, 'hosts.toml'), 'client = [["a.pem"]]');
  expect(() => endpointsFor('registry.example', { hostsDir: dir })).toThrow('a client pair must be [cert, key]');
  fs.writeFileSync(path.join(hostDir, 'hosts.toml'), 'client = 3');
  expect(() => endpointsFor('registry.example', { hostsDir: dir })).toThrow('client must be a path, a list of paths or a list of [cert, key] pairs');
});
