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
