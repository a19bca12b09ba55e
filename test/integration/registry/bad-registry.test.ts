// Pulls from a registry that misbehaves (fake-registry.ts), by runtsctl and by runtsd itself:
// each failure is one clear error line and a non-zero exit, leaves no image, no blob and no
// ingest behind, and the daemon keeps serving; a dropped connection is resumed with Range, a
// kept ingest too, and blobs redirected to another host arrive without the registry's token.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Daemon, startDaemon } from '../daemon/harness';
import { FakeRegistry, startFakeRegistry } from './fake-registry';
import { Client } from '../../../src/client/client';
import { freePort } from '../../helpers/registry';

const RUNTSCTL = path.resolve(__dirname, '../../../bin/runtsctl');
let daemon: Daemon;
let fake: FakeRegistry;
let namespaces = 0;

beforeAll(async () => {
  [daemon, fake] = await Promise.all([startDaemon('bad-registry'), startFakeRegistry()]);
}, 60000);

afterAll(async () => {
  await fake?.close();
  await daemon?.stop();
});

/** runtsctl, spawned asynchronously: the fake registry answers from this process. */
function runtsctl(ns: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(RUNTSCTL, ['--address', daemon.socket, '--namespace', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOCKER_CONFIG: '/nonexistent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90000);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

const leftovers = (ns: string) => ({
  content: daemon.ctr('-n', ns, 'content', 'ls', '-q').trim(),
  ingests: daemon.ctr('-n', ns, 'content', 'active').trim().split('\n').slice(1).join('\n'),
  images: daemon.ctr('-n', ns, 'images', 'ls', '-q').trim(),
  leases: daemon.ctr('-n', ns, 'leases', 'ls', '-q').trim(),
});
const clean = { content: '', ingests: '', images: '', leases: '' };

/** The error lines (progress lines on a non-terminal are plain "digest: ..." lines). */
const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('runtsctl:'));

const MODES: [string, string[]][] = [['runtsctl', ['--local']], ['runtsd', []]];

describe.each(MODES)('pulled by %s', (mode, flags) => {
  const pull = async (scenario: string) => {
    const ns = `bad-${++namespaces}`;
    const r = await runtsctl(ns, ['pull', ...flags, `${fake.host}/${scenario}:1`]);
    return { ...r, ns };
  };

  test.each([
    ['missing', /manifests\/1: not found \(MANIFEST_UNKNOWN: manifest unknown\)$/],
    ['unauthorized-loop', /manifests\/1: unauthorized: authentication required \(UNAUTHORIZED: authentication required\)$/],
    ['redirect-loop', /: redirect loop \(last to http:\/\/127\.0\.0\.1:\d+\/v2\/redirect-loop\/manifests\/[ab]\)$/],
    ['huge-manifest', /manifest 127\.0\.0\.1:\d+\/huge-manifest:1 is 5242880 bytes, over the 4194304-byte limit$/],
    ['huge-manifest-chunked', /manifest 127\.0\.0\.1:\d+\/huge-manifest-chunked:1 is larger than the 4194304-byte limit$/],
    ['huge-headers', /cannot reach registry 127\.0\.0\.1:\d+ \(http\): response headers too large$/],
    ['wrong-digest', /content digest is sha256:[a-f0-9]{64}, expected sha256:[a-f0-9]{64}/],
    ['endless', /the registry sent more than the \d+ bytes its descriptor declares$/],
    ['truncated-always', /connection lost after \d+ of \d+ bytes|sent \d+ of \d+ bytes/],
  ])('%s: one clear error, nothing left', async (scenario, message) => {
    const r = await pull(scenario);
    expect(r.status).toBe(1);
    expect(errors(r.stderr)).toHaveLength(1);
    expect(errors(r.stderr)[0]).toMatch(message);
    expect(r.stdout).toBe('');
    expect(leftovers(r.ns)).toEqual(clean);
  });

  test('an unreachable registry: one clear error', async () => {
    const port = await freePort();
    const r = await runtsctl(`bad-${++namespaces}`, ['pull', ...flags, `127.0.0.1:${port}/x:1`]);
    expect(r.status).toBe(1);
    expect(errors(r.stderr)).toEqual([`runtsctl: cannot reach registry 127.0.0.1:${port} (https): connection refused`]);
  });

  test('a connection dropped mid-layer is resumed with Range; a token is fetched once per scope', async () => {
    const before = fake.seen.length;
    const tokensBefore = fake.tokens;
    const r = await pull(`truncated-once-${mode}`);
    expect(errors(r.stderr)).toEqual([]);
    expect(r.stdout).toBe(`${fake.host}/truncated-once-${mode}:1 ${fake.image.manifestDigest}\n`);
    const big = fake.seen.slice(before).filter((s) => s.url.endsWith(fake.image.layerDigests[1]));
    expect(big.map((s) => s.range)).toEqual([undefined, `bytes=${fake.image.layers[1].length >> 1}-`]);
    expect(fake.tokens - tokensBefore).toBe(1);
    expect(daemon.ctr('-n', r.ns, 'content', 'ls', '-q').trim().split('\n').sort())
      .toEqual([fake.image.manifestDigest, fake.image.configDigest, ...fake.image.layerDigests].sort());
  });

  test('blobs redirected to another host arrive, without the registry\'s token', async () => {
    const before = fake.storageSeen.length;
    const r = await pull('redirect-blob');
    expect(r.stdout).toBe(`${fake.host}/redirect-blob:1 ${fake.image.manifestDigest}\n`);
    const fetched = fake.storageSeen.slice(before);
    expect(fetched.length).toBe(3);
    expect(fetched.every((s) => s.authorization === undefined)).toBe(true);
  });
});

test('an ingest kept from an interrupted pull is resumed from where it stopped', async () => {
  const ns = 'bad-resume';
  const layer = fake.image.layers[1];
  const digest = fake.image.layerDigests[1];
  const client = new Client(daemon.socket, ns);
  try {
    // What a killed pull leaves: the ingest under containerd's ref, half written.
    const call = client.duplex('content', 'Write');
    const answered = new Promise((resolve, reject) => { call.on('data', resolve); call.on('error', reject); });
    call.write({ action: 'WRITE', ref: `layer-${digest}`, total: layer.length, expected: digest, offset: 0, data: layer.subarray(0, 1000000) });
    await answered;
    call.end();
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    client.close();
  }
  expect(daemon.ctr('-n', ns, 'content', 'active')).toContain(`layer-${digest}`);
  const before = fake.seen.length;
  const r = await runtsctl(ns, ['pull', '--local', `${fake.host}/good:1`]);
  expect(r.status).toBe(0);
  expect(fake.seen.slice(before).filter((s) => s.url.endsWith(digest)).map((s) => s.range)).toEqual(['bytes=1000000-']);
  expect(leftovers(ns).ingests).toBe('');
});

test('the daemon keeps serving after all of that, nothing left in its staging directory', () => {
  expect(daemon.ctr('version')).toMatch(/Server:/);
  expect(daemon.process.exitCode).toBeNull();
  const staging = path.join(daemon.root, 'pull-staging');
  expect(fs.existsSync(staging) ? fs.readdirSync(staging) : []).toEqual([]);
});
