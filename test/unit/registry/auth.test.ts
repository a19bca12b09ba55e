import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dockerConfigCredentials, parseChallenges } from '../../../src/registry/auth';

test('WWW-Authenticate challenges: bearer with quoted parameters, basic, several at once', () => {
  expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual([
    { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
  ]);
  expect(parseChallenges('Basic realm="x y"')).toEqual([{ scheme: 'basic', params: { realm: 'x y' } }]);
  expect(parseChallenges('Basic realm=r, Bearer realm="t", error="insufficient_scope"')).toEqual([
    { scheme: 'basic', params: { realm: 'r' } },
    { scheme: 'bearer', params: { realm: 't', error: 'insufficient_scope' } },
  ]);
  expect(parseChallenges('Bearer realm="a\\"b"')[0].params.realm).toBe('a"b');
  expect(parseChallenges('')).toEqual([]);
});

test('credentials from a Docker config.json, by host or docker.io alias', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-docker-config-'));
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({
    auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw:with:colons').toString('base64') },
      'registry.example:5000': { username: 'u', password: 'p' },
    },
  }));
  try {
    expect(dockerConfigCredentials('docker.io', file)).toEqual({ username: 'hub', password: 'pw:with:colons' });
    expect(dockerConfigCredentials('registry.example:5000', file)).toEqual({ username: 'u', password: 'p' });
    expect(dockerConfigCredentials('other.example', file)).toBeUndefined();
    expect(dockerConfigCredentials('docker.io', path.join(dir, 'missing.json'))).toBeUndefined();
    fs.writeFileSync(file, '{');
    expect(() => dockerConfigCredentials('docker.io', file)).toThrow(/docker config .*config.json/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
