// Race attacks on container setup (SECURITY-CLASSES.md): a racer flips paths or mounts the
// runtime is about to use while `runts run` happens again and again; every attempt must leave
// the host untouched. runts resolves and mounts by fd, so what it checked is what it uses.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle, TestBundle } from '../../helpers/bundle';
import { mountsUnder, unmountUnder } from '../../helpers/mounts';
import { Runts, uniqueId } from '../../helpers/runts';

const ITERATIONS = 50;
const RACER = path.join(__dirname, 'racer.py');

let runts: Runts;
let racer: ChildProcess | undefined;
const temps: string[] = [];
beforeEach(() => (runts = new Runts()));
afterEach(async () => {
  await stopRacer();
  runts.reset();
  for (const dir of temps.splice(0)) {
    unmountUnder(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(cleanupBundles);

function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `runts-${name}-`));
  temps.push(dir);
  return dir;
}

/** Starts a racer process; resolves once it raced for the first time. */
function startRacer(cmd: string, args: string[]): Promise<void> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  racer = child;
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`racer exited ${code}`)));
  });
}

async function stopRacer(): Promise<void> {
  const child = racer;
  racer = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const gone = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGKILL');
  await gone;
}

/** Runs the bundle ITERATIONS times; every failure must be one clear runts error line. */
function runRepeatedly(b: TestBundle, name: string): { ok: number; failed: string[] } {
  const failed: string[] = [];
  let ok = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const r = runts.run(['run', '--bundle', b.dir, uniqueId(name)]);
    if (r.status === 0) ok++;
    else {
      expect(r.stderr).toMatch(/^time="[^"]+" level=error msg="[^\n]+"\n$/);
      failed.push(r.stderr);
    }
  }
  return { ok, failed };
}

test('CVE-2021-30465 / CVE-2024-45310: mount destinations swapped with a symlink to a host dir during setup never mount or mkdir outside the rootfs', async () => {
  // Against a naive runtime (resolve the path, check it, then mount/mkdir by path), the swap
  // lands between check and use: /mnt/a is mounted onto the host's canary dir and /mnt/b/c is
  // created there (mkdir -p through the symlink).
  const canary = tempDir('canary');
  const dumps = tempDir('mountinfo');
  const tag = `runts-race-${process.pid}`;
  const b = makeBundle((c) => {
    c.process.args = ['true'];
    c.mounts.push(
      { destination: '/mnt/a', type: 'tmpfs', source: tag },
      { destination: '/mnt/b/c', type: 'tmpfs', source: tag },
    );
    // Runs in the container's mount namespace after the mounts, before pivot_root: a record of
    // where every mount really went, including any outside the rootfs.
    c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `cat /proc/self/mountinfo > ${dumps}/$(cat /proc/sys/kernel/random/uuid)`] }] };
  });
  fs.mkdirSync(path.join(b.rootfs, 'mnt'));
  fs.symlinkSync(canary, path.join(b.rootfs, 'mnt.swap'));
  await startRacer('python3', [RACER, path.join(b.rootfs, 'mnt'), path.join(b.rootfs, 'mnt.swap')]);
  const { ok } = runRepeatedly(b, 'racemnt');
  await stopRacer();

  expect(ok).toBeGreaterThan(0);
  expect(fs.readdirSync(canary)).toEqual([]);
  expect(mountsUnder(canary)).toEqual([]);
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(tag);
  let tagged = 0;
  const where = new Map<string, number>();
  for (const dump of fs.readdirSync(dumps)) {
    for (const line of fs.readFileSync(path.join(dumps, dump), 'utf8').split('\n')) {
      const fields = line.split(' ');
      const sep = fields.indexOf('-');
      if (sep < 0 || fields[sep + 2] !== tag) continue;
      tagged++;
      expect(fields[4].startsWith(`${b.rootfs}/`)).toBe(true);
      where.set(fields[4].slice(b.rootfs.length), (where.get(fields[4].slice(b.rootfs.length)) ?? 0) + 1);
    }
  }
  // The racer did win: some mounts followed the symlink (resolved inside the rootfs).
  expect([...where.keys()].some((k) => k.startsWith(`${canary}/`))).toBe(true);
  // Both tmpfs mounts of every successful run were seen, all inside the rootfs.
  expect(tagged).toBe(2 * ok);
}, 180_000);

test('CVE-2025-31133: /dev/null swapped with a symlink to core_pattern during setup never turns a mask into core_pattern', async () => {
  // Against a naive runtime (stat /dev/null, then bind it by path over each masked path), the
  // swap makes /proc/keys etc. a bind of the host's core_pattern, which the container writes.
  const before = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
  const b = makeBundle((c) => {
    // The image's own /dev: no /dev tmpfs, so the racer's files are the container's /dev.
    c.mounts = c.mounts.filter((m: any) => !m.destination.startsWith('/dev'));
    c.linux.devices = [];
    c.process.args = ['sh', '-c', 'for p in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug /proc/scsi; do echo "|/pwned %p" > $p; done 2>&-; true'];
  });
  const dev = path.join(b.rootfs, 'dev');
  fs.mkdirSync(dev, { recursive: true });
  execFileSync('mknod', ['-m', '666', path.join(dev, 'null'), 'c', '1', '3']);
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(dev, 'null.swap'));
  try {
    await startRacer('python3', [RACER, path.join(dev, 'null'), path.join(dev, 'null.swap')]);
    const { ok, failed } = runRepeatedly(b, 'racenull');
    await stopRacer();
    expect(ok + failed.length).toBe(ITERATIONS);
    for (const f of failed) expect(f).toMatch(/\/dev\/null is not the null device|(create|chown|chmod) device \/dev\/null/);
    expect(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).toBe(before);
  } finally {
    if (fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8') !== before) fs.writeFileSync('/proc/sys/kernel/core_pattern', before);
  }
}, 180_000);

// A global (not namespaced) sysctl of the host that is harmless to change: the write target
// the attacks below try to redirect a container's sysctl to.
const HOST_SYSCTL = '/proc/sys/fs/lease-break-time';

test('CVE-2025-52881: a procfs file bound over a sysctl target does not receive the sysctl write', () => {
  // Against a naive runtime (open /proc/sys/kernel/shmmax by path, check it is procfs, write),
  // the write lands in the host's fs.lease-break-time: the bind is procfs too.
  const before = fs.readFileSync(HOST_SYSCTL, 'utf8');
  try {
    const b = makeBundle((c) => {
      c.mounts.push({ destination: '/proc/sys/kernel/shmmax', type: 'bind', source: HOST_SYSCTL, options: ['bind'] });
      c.linux.sysctl = { 'kernel.shmmax': '1234567' };
      c.process.args = ['true'];
    });
    expect(runts.run(['run', '--bundle', b.dir, uniqueId('sysctlbind')]).stderr).toBe('');
    expect(fs.readFileSync(HOST_SYSCTL, 'utf8')).toBe(before);
  } finally {
    if (fs.readFileSync(HOST_SYSCTL, 'utf8') !== before) fs.writeFileSync(HOST_SYSCTL, before);
  }
});

test('CVE-2025-52881: a shared-mount racer binding a host sysctl over the target during setup never receives the write', async () => {
  // A host tmpfs shared into the container at /proc/sys/kernel (rslave: host mount events
  // propagate in); the racer keeps binding the host's fs.lease-break-time over its shmmax and
  // unbinding it. A naive runtime writing /proc/sys/kernel/shmmax by path writes the host's
  // sysctl whenever the bind is there at that moment.
  const before = fs.readFileSync(HOST_SYSCTL, 'utf8');
  const shared = tempDir('sharedproc');
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', shared]);
  execFileSync('mount', ['--make-shared', shared]);
  fs.writeFileSync(path.join(shared, 'shmmax'), '');
  const target = path.join(shared, 'shmmax');
  try {
    const b = makeBundle((c) => {
      c.process.args = ['true'];
      c.mounts.push({ destination: '/proc/sys/kernel', type: 'bind', source: shared, options: ['rbind', 'rslave'] });
      c.linux.sysctl = { 'kernel.shmmax': '1234567' };
    });
    await startRacer('sh', ['-c', `echo racing; while :; do mount --bind ${HOST_SYSCTL} ${target}; umount ${target}; done`]);
    const { ok } = runRepeatedly(b, 'racesysctl');
    await stopRacer();
    expect(ok).toBe(ITERATIONS);
    expect(fs.readFileSync(HOST_SYSCTL, 'utf8')).toBe(before);
  } finally {
    if (fs.readFileSync(HOST_SYSCTL, 'utf8') !== before) fs.writeFileSync(HOST_SYSCTL, before);
  }
}, 180_000);
