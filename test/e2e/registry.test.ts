// Pull and push against Debian's docker-registry on loopback, with images pushed by skopeo: a
// multi-layer image over plain HTTP, a two-platform index, and one behind basic auth served over
// TLS with a test CA. runtsctl pulls (through runtsd's own pull, and itself with --local), the result is
// compared with what `ctr images pull` leaves and with the digests skopeo sees, a container runs
// from the pulled image through ctr, and runtsctl pushes back.
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { chainIds } from '../../src/image/chain';
import { describeTree } from '../helpers/tree';
import { TaskEnv, startTaskEnv } from '../integration/daemon/task-env';
import { criCall, criClients } from '../helpers/cri';
import { removeCgroupTree } from '../helpers/cgroup-cleanup';
import {
  BuiltLayout, Registry, TestCa, busyboxLayer, fileLayer, makeClientCert, makeTestCa, randomLayer, skopeoDigest, skopeoPush, startRegistry, writeLayout,
} from '../helpers/registry';

const RUNTSCTL = path.resolve(__dirname, '../../bin/runtsctl');
const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';
const OTHER_ARCH = ARCH === 'arm64' ? 'amd64' : 'arm64';
const USER = 'tester:s3cret';

let env: TaskEnv;
let work: string;
let plain: Registry;
let secure: Registry;
let ca: TestCa;
let hostsDir: string;
let multi: BuiltLayout;
let two: BuiltLayout;
let implied: BuiltLayout;
let namespaces = 0;

beforeAll(async () => {
  work = fs.mkdtempSync('/tmp/runts-registry-e2e-');
  ca = makeTestCa(path.join(work, 'ca'));
  plain = await startRegistry(path.join(work, 'plain'));
  secure = await startRegistry(path.join(work, 'secure'), { tls: ca, users: { tester: 's3cret' } });
  hostsDir = path.join(work, 'hosts');
  fs.mkdirSync(path.join(hostsDir, secure.host), { recursive: true });
  fs.copyFileSync(ca.caCert, path.join(hostsDir, secure.host, 'ca.crt'));
  env = await startTaskEnv('registry', ['--registry-config-path', hostsDir]);

  multi = writeLayout(path.join(work, 'multi'), [{
    architecture: ARCH,
    layers: [busyboxLayer(), randomLayer('a.bin', 300000), randomLayer('b.bin', 100000), fileLayer('etc/hello', 'hello from the registry\n')],
  }]);
  two = writeLayout(path.join(work, 'two'), [
    { architecture: ARCH, layers: [busyboxLayer(), fileLayer('arch', `${ARCH}\n`)] },
    { architecture: OTHER_ARCH, layers: [fileLayer('arch', `${OTHER_ARCH}\n`)] },
  ]);
  // Directories only the lower layers list (mode, owner, times), whiteouts, an opaque directory:
  // what runtsd's ahead-of-parent extraction must get right.
  const T = 1600000000;
  implied = writeLayout(path.join(work, 'implied'), [{
    architecture: ARCH,
    layers: [
      [{ name: 'etc/', type: 'directory', mode: 0o750, uid: 7, gid: 8, mtime: T }, { name: 'etc/a', type: 'file', data: 'a\n', mtime: T },
        { name: 'opt/', type: 'directory', mode: 0o711, mtime: T }, { name: 'opt/x/', type: 'directory', mode: 0o700, uid: 3, mtime: T },
        { name: 'opt/x/old', type: 'file', data: 'old\n', mtime: T }, { name: 'keep', type: 'file', data: 'k\n', mtime: T }],
      [{ name: 'etc/b', type: 'file', data: 'b\n', mtime: T + 1 }, { name: 'etc/.wh.a', type: 'file', mtime: T + 1 },
        { name: 'opt/x/y/z', type: 'file', data: 'z\n', mtime: T + 1 }, { name: 'opt/x/.wh..wh..opq', type: 'file', mtime: T + 1 }],
      [{ name: 'etc/', type: 'directory', mode: 0o755, mtime: T + 2 }, { name: 'etc/c', type: 'file', data: 'c\n', mtime: T + 2 },
        { name: 'opt/x/y/w', type: 'file', data: 'w\n', mtime: T + 2 }],
    ],
  }]);
  skopeoPush(implied.dir, `${plain.host}/runts/implied:1`);
  skopeoPush(multi.dir, `${plain.host}/runts/multi:1`);
  skopeoPush(two.dir, `${plain.host}/runts/two:1`);
  skopeoPush(multi.dir, `${secure.host}/runts/private:1`, ['--dest-creds', USER, '--dest-cert-dir', path.join(hostsDir, secure.host)]);
}, 120000);

afterAll(async () => {
  await env?.cleanup();
  // A container run in a scenario's namespace leaves the shim's /<namespace> cgroups behind.
  for (let n = 1; n <= namespaces; n++) removeCgroupTree(`/${env.namespace}-${n}`);
  await plain?.stop();
  await secure?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
}, 60000);

/** A namespace of this file's own for each scenario, so contents compare cleanly. */
const freshNamespace = () => `${env.namespace}-${++namespaces}`;

function runtsctl(ns: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(RUNTSCTL, ['--address', env.daemon.socket, '--namespace', ns, ...args], {
    encoding: 'utf8', timeout: 120000, env: { ...process.env, DOCKER_CONFIG: path.join(work, 'no-docker-config'), ...extraEnv },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(ns: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): string {
  const r = runtsctl(ns, args, extraEnv);
  if (r.status !== 0) throw new Error(`runtsctl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function ctr(ns: string, args: string[]) {
  const r = spawnSync('ctr', ['-a', env.daemon.socket, '-n', ns, ...args], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`ctr ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const contentDigests = (ns: string) => ctr(ns, ['content', 'ls', '-q']).trim().split('\n').filter(Boolean).sort();
const snapshotNames = (ns: string) => ctr(ns, ['snapshots', '--snapshotter', 'overlayfs', 'ls']).trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]).sort();
const ingests = (ns: string) => ctr(ns, ['content', 'active']).trim().split('\n').slice(1).filter(Boolean);
const imageDigest = (ns: string, name: string) => ctr(ns, ['images', 'ls']).split('\n').find((l) => l.startsWith(`${name} `))?.split(/\s+/)[2];

test('runtsctl pull (by runtsd): a multi-layer image over plain HTTP, digests as skopeo sees them, runnable through ctr', () => {
  const ns = freshNamespace();
  const ref = `${plain.host}/runts/multi:1`;
  expect(skopeoDigest(ref)).toBe(multi.root);
  const out = ok(ns, ['pull', ref]);
  expect(out).toBe(`${ref} ${multi.root}\n`);
  const m = multi.manifests[0];
  expect(contentDigests(ns)).toEqual([m.digest, m.config, ...m.layers].sort());
  expect(snapshotNames(ns)).toEqual(chainIds(m.diffIds).sort());
  expect(imageDigest(ns, ref)).toBe(multi.root);
  const run = spawnSync('ctr', ['-a', env.daemon.socket, '-n', ns, 'run', '--rm', '--runtime', 'io.containerd.runts.v2', ref, `pulled-${ns}`, 'sh', '-c', 'cat /etc/hello; wc -c < /a.bin'],
    { encoding: 'utf8', timeout: 60000 });
  expect(run.stderr).toBe('');
  expect(run.stdout).toBe('hello from the registry\n300000\n');
  // A second pull finds everything in place.
  expect(ok(ns, ['pull', ref])).toBe(out);
});

test('runtsd\'s pull and runtsctl pull --local: the same content and snapshots as ctr images pull', () => {
  const ref = `${plain.host}/runts/multi:1`;
  const byDaemon = freshNamespace();
  const local = freshNamespace();
  const byCtr = freshNamespace();
  expect(ok(byDaemon, ['pull', ref])).toBe(`${ref} ${multi.root}\n`);
  expect(ok(local, ['pull', '--local', ref])).toBe(`${ref} ${multi.root}\n`);
  ctr(byCtr, ['images', 'pull', '--plain-http', ref]);
  for (const ns of [byDaemon, local]) {
    expect(contentDigests(ns)).toEqual(contentDigests(byCtr));
    expect(snapshotNames(ns)).toEqual(snapshotNames(byCtr));
    expect(imageDigest(ns, ref)).toBe(imageDigest(byCtr, ref));
    expect(ingests(ns)).toEqual([]);
  }
});

/** The merged tree of an image's top snapshot in a namespace, as a container would see it. */
async function mergedTree(ns: string, top: string, withoutMtime: Set<string>): Promise<string[]> {
  const mnt = path.join(work, `mnt-${ns}`);
  fs.mkdirSync(mnt, { recursive: true });
  ctr(ns, ['snapshots', 'view', 'tree-view', top]);
  try {
    execFileSync('sh', ['-c', ctr(ns, ['snapshots', 'mounts', mnt, 'tree-view'])]);
    try {
      return await describeTree(mnt, withoutMtime);
    } finally {
      execFileSync('umount', [mnt]);
    }
  } finally {
    ctr(ns, ['snapshots', 'rm', 'tree-view']);
  }
}

test('layers runtsd extracts ahead of their parents give the trees of in-place unpacking', async () => {
  const ref = `${plain.host}/runts/implied:1`;
  const byDaemon = freshNamespace();
  const byCtr = freshNamespace();
  ok(byDaemon, ['pull', ref]);
  ctr(byCtr, ['images', 'pull', '--plain-http', ref]);
  const top = chainIds(implied.manifests[0].diffIds).pop()!;
  // opt/x/y is implied with nothing below: made at unpack time in both.
  const madeNow = new Set(['opt/x/y']);
  const ours = await mergedTree(byDaemon, top, madeNow);
  expect(ours).toEqual(await mergedTree(byCtr, top, madeNow));
  expect(ours.filter((l) => /^(etc|opt\/x|opt\/x\/y) /.test(l))).toEqual([
    'etc mode=40755 owner=0:0 mtime=1600000002000', 'opt/x mode=40700 owner=3:0 mtime=1600000000000', 'opt/x/y mode=40755 owner=0:0',
  ]);
  expect(ours.map((l) => l.split(' ')[0])).toEqual(['etc', 'etc/b', 'etc/c', 'keep', 'opt', 'opt/x', 'opt/x/y', 'opt/x/y/w', 'opt/x/y/z']);
  expect(fs.readdirSync(path.join(env.daemon.root, 'pull-staging'))).toEqual([]);
});

test('an index with two platforms: the one asked for, as ctr pull --platform fetches it', () => {
  const ref = `${plain.host}/runts/two:1`;
  const ours = freshNamespace();
  const theirs = freshNamespace();
  const other = two.manifests.find((m) => m.architecture === OTHER_ARCH)!;
  expect(ok(ours, ['pull', '--local', '--platform', `linux/${OTHER_ARCH}`, ref])).toBe(`${ref} ${two.root}\n`);
  ctr(theirs, ['images', 'pull', '--plain-http', '--platform', `linux/${OTHER_ARCH}`, ref]);
  expect(contentDigests(ours)).toEqual([two.root, other.digest, other.config, ...other.layers].sort());
  expect(contentDigests(ours)).toEqual(contentDigests(theirs));
  expect(snapshotNames(ours)).toEqual(snapshotNames(theirs));

  const daemonNs = freshNamespace();
  const host = two.manifests.find((m) => m.architecture === ARCH)!;
  expect(ok(daemonNs, ['pull', ref])).toBe(`${ref} ${two.root}\n`);
  expect(contentDigests(daemonNs)).toEqual([two.root, host.digest, host.config, ...host.layers].sort());

  const none = freshNamespace();
  const r = runtsctl(none, ['pull', '--platform', 'linux/s390x', ref]);
  expect(r.status).toBe(1);
  expect(r.stderr.split('\n').slice(-2)).toEqual([`runtsctl: no manifest for linux/s390x in image index (available: linux/${ARCH}, linux/${OTHER_ARCH})`, '']);
  expect(contentDigests(none)).toEqual([]);
});

test('TLS with a test CA and basic auth: refused without credentials, pulled with them', () => {
  const ref = `${secure.host}/runts/private:1`;
  const hosts = ['--local', '--hosts-dir', hostsDir];

  const refused = freshNamespace();
  const noAuth = runtsctl(refused, ['pull', ...hosts, ref]);
  expect(noAuth.status).toBe(1);
  expect(noAuth.stderr).toMatch(/^runtsctl: GET https:\/\/127\.0\.0\.1:\d+\/v2\/runts\/private\/manifests\/1: unauthorized: authentication required[^\n]*\n$/);
  const noCa = runtsctl(refused, ['pull', '--local', '--hosts-dir', path.join(work, 'empty-hosts'), '--user', USER, ref]);
  expect(noCa.status).toBe(1);
  expect(noCa.stderr).toMatch(/^runtsctl: cannot reach registry 127\.0\.0\.1:\d+ \(https\): .*(self[- ]signed|issuer|verify)[^\n]*\n$/i);
  const wrong = runtsctl(refused, ['pull', ...hosts, '--user', 'tester:wrong', ref]);
  expect(wrong.status).toBe(1);
  expect(wrong.stderr).toMatch(/unauthorized/);
  expect(contentDigests(refused)).toEqual([]);
  expect(ingests(refused)).toEqual([]);

  const m = multi.manifests[0];
  const withUser = freshNamespace();
  expect(ok(withUser, ['pull', ...hosts, '--user', USER, ref])).toBe(`${ref} ${multi.root}\n`);
  expect(contentDigests(withUser)).toEqual([m.digest, m.config, ...m.layers].sort());

  const dockerConfig = path.join(work, 'docker-config');
  fs.mkdirSync(dockerConfig, { recursive: true });
  fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [secure.host]: { auth: Buffer.from(USER).toString('base64') } } }));
  const fromConfig = freshNamespace();
  expect(ok(fromConfig, ['pull', ...hosts, ref], { DOCKER_CONFIG: dockerConfig })).toBe(`${ref} ${multi.root}\n`);

  const byDaemon = freshNamespace();
  const daemonRefused = runtsctl(byDaemon, ['pull', ref]);
  expect(daemonRefused.status).toBe(1);
  expect(daemonRefused.stderr).toMatch(/unauthorized: authentication required/);
  expect(ok(byDaemon, ['pull', '--user', USER, ref])).toBe(`${ref} ${multi.root}\n`);
  expect(runtsctl(byDaemon, ['pull', '--hosts-dir', hostsDir, ref]).stderr).toMatch(/--hosts-dir applies to --local pulls/);
  expect(contentDigests(byDaemon)).toEqual([m.digest, m.config, ...m.layers].sort());
});

test('a registry that asks for a client certificate: refused without one, pulled with NAME.cert + NAME.key or hosts.toml `client`', async () => {
  const mtls = await startRegistry(path.join(work, 'mtls'), { tls: ca, requireClientCert: true });
  const hostDir = path.join(hostsDir, mtls.host);
  try {
    const skopeoCerts = path.join(work, 'mtls-skopeo');
    const client = makeClientCert(ca, skopeoCerts);
    fs.copyFileSync(ca.caCert, path.join(skopeoCerts, 'ca.crt'));
    const ref = `${mtls.host}/runts/mtls:1`;
    skopeoPush(multi.dir, ref, ['--dest-cert-dir', skopeoCerts]);
    const m = multi.manifests[0];
    fs.mkdirSync(hostDir);
    fs.copyFileSync(ca.caCert, path.join(hostDir, 'ca.crt'));

    const refused = freshNamespace();
    const noCert = runtsctl(refused, ['pull', '--local', '--hosts-dir', hostsDir, ref]);
    expect(noCert.status).toBe(1);
    // Go's TLS 1.3 server closes after its "certificate required" alert; undici reports the close.
    expect(noCert.stderr).toMatch(/^runtsctl: cannot reach registry 127\.0\.0\.1:\d+ \(https\): (other side closed|[^\n]*certificate required)[^\n]*\n$/i);
    expect(contentDigests(refused)).toEqual([]);

    fs.copyFileSync(client.cert, path.join(hostDir, 'client.cert'));
    fs.copyFileSync(client.key, path.join(hostDir, 'client.key'));
    const dockerLayout = freshNamespace();
    expect(ok(dockerLayout, ['pull', '--local', '--hosts-dir', hostsDir, ref])).toBe(`${ref} ${multi.root}\n`);
    expect(contentDigests(dockerLayout)).toEqual([m.digest, m.config, ...m.layers].sort());

    // runtsd's own pull reads its --registry-config-path at each pull, as containerd does.
    fs.rmSync(path.join(hostDir, 'client.cert'));
    fs.rmSync(path.join(hostDir, 'client.key'));
    fs.writeFileSync(path.join(hostDir, 'hosts.toml'), `client = [[${JSON.stringify(client.cert)}, ${JSON.stringify(client.key)}]]\n`);
    const byDaemon = freshNamespace();
    expect(ok(byDaemon, ['pull', ref])).toBe(`${ref} ${multi.root}\n`);
    expect(contentDigests(byDaemon)).toEqual([m.digest, m.config, ...m.layers].sort());
  } finally {
    await mtls.stop();
    fs.rmSync(hostDir, { recursive: true, force: true });
  }
});

test('push back: a new repository (blobs mounted), the TLS registry (uploaded), an index; skopeo sees the same digests', () => {
  const ns = freshNamespace();
  const source = `${plain.host}/runts/multi:1`;
  ok(ns, ['pull', source]);
  const copy = `${plain.host}/runts/copy:2`;
  const pushed = runtsctl(ns, ['push', copy, source]);
  expect(pushed.status).toBe(0);
  expect(pushed.stdout).toBe(`${copy} ${multi.root}\n`);
  expect(pushed.stderr).toMatch(/mounted/);
  expect(skopeoDigest(copy)).toBe(multi.root);

  const remote = `${secure.host}/runts/pushed:1`;
  expect(runtsctl(ns, ['push', '--hosts-dir', hostsDir, remote, source]).stderr).toMatch(/unauthorized/);
  const up = runtsctl(ns, ['push', '--hosts-dir', hostsDir, '--user', USER, remote, source]);
  expect(up.stderr).toMatch(/already exists|uploaded/);
  expect(up.status).toBe(0);
  expect(skopeoDigest(remote, ['--creds', USER, '--cert-dir', path.join(hostsDir, secure.host)])).toBe(multi.root);

  // Tagged under a new name locally, then pushed: the same manifest under the new tag.
  ctr(ns, ['images', 'tag', source, `${plain.host}/runts/retag:3`]);
  expect(ok(ns, ['push', `${plain.host}/runts/retag:3`])).toBe(`${plain.host}/runts/retag:3 ${multi.root}\n`);
  expect(skopeoDigest(`${plain.host}/runts/retag:3`)).toBe(multi.root);
});

function runtsctlAsync(ns: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(RUNTSCTL, ['--address', env.daemon.socket, '--namespace', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

test('pulls of one image at the same time (pods of one deployment): each waits for the blobs the other fetches', async () => {
  const ref = `${plain.host}/runts/multi:1`;
  const m = multi.manifests[0];
  for (const flags of [[], ['--local']]) {
    const ns = freshNamespace();
    const results = await Promise.all([0, 1, 2].map(() => runtsctlAsync(ns, ['pull', ...flags, ref])));
    for (const r of results) {
      expect(r.stderr.split('\n').filter((l) => l.startsWith('runtsctl:'))).toEqual([]);
      expect(r.stdout).toBe(`${ref} ${multi.root}\n`);
    }
    expect(contentDigests(ns)).toEqual([m.digest, m.config, ...m.layers].sort());
    expect(snapshotNames(ns)).toEqual(chainIds(m.diffIds).sort());
    expect(ingests(ns)).toEqual([]);
  }
});

test('on a terminal: one progress bar per layer, as docker pull draws them', () => {
  const ref = `${plain.host}/runts/multi:1`;
  for (const flags of [[], ['--local']]) {
    const ns = freshNamespace();
    const command = [RUNTSCTL, '--address', env.daemon.socket, '--namespace', ns, 'pull', ...flags, ref].join(' ');
    // script(1) gives runtsctl a pseudo-terminal for stdout and stderr alike.
    const r = spawnSync('script', ['-qefc', command, '/dev/null'], { encoding: 'utf8', timeout: 120000 });
    expect(r.status).toBe(0);
    const screen = r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    for (const layer of multi.manifests[0].layers) {
      expect(screen).toMatch(new RegExp(`${layer.slice(7, 19)}: \\[=+\\] pull complete`));
    }
    expect(screen).toContain(`${ref} ${multi.root}`);
  }
});

test('images lists, rmi removes the image and garbage collection its content', () => {
  const ns = freshNamespace();
  const ref = `${plain.host}/runts/multi:1`;
  ok(ns, ['pull', ref]);
  expect(ok(ns, ['images'])).toContain(`${ref}  application/vnd.oci.image.manifest.v1+json  ${multi.root}`);
  expect(ok(ns, ['rmi', ref])).toBe(`${ref}\n`);
  expect(ok(ns, ['images'])).not.toContain(ref);
  expect(contentDigests(ns)).toEqual([]);
});

test('CRI PullImage (kubelet\'s pull): refused without credentials, pulled with them into k8s.io, listed by the CRI', async () => {
  const ref = `${secure.host}/runts/private:1`;
  const { images, close } = criClients(env.daemon.socket);
  try {
    await expect(criCall(images, 'PullImage', { image: { image: ref } })).rejects.toThrow(/unauthorized: authentication required/);
    await expect(criCall(images, 'PullImage', { image: { image: ref }, auth: { auth: 'bm8tY29sb24=' } }))
      .rejects.toMatchObject({ code: 3, details: expect.stringMatching(/"auth" must be base64 of "user:password"/) });
    const [username, password] = USER.split(':');
    const pulled = await criCall(images, 'PullImage', { image: { image: ref }, auth: { username, password } });
    expect(pulled.image_ref).toBe(multi.manifests[0].config);
    const status = await criCall(images, 'ImageStatus', { image: { image: ref } });
    expect(status.image.repo_tags).toEqual([ref]);
    const listed = (await criCall(images, 'ListImages', {})).images.map((i: { id: string }) => i.id);
    expect(listed).toContain(multi.manifests[0].config);
    // unpacked, as CRI's pull does: the top layer's snapshot is committed
    const top = chainIds(multi.manifests[0].diffIds).pop()!;
    expect(env.daemon.ctr('-n', 'k8s.io', 'snapshots', 'ls')).toContain(top);
  } finally {
    close();
  }
});
