// Attack tests for the runc escape classes in shared/SECURITY-CLASSES.md (the races are in
// races.test.ts): each sets up the attack for real and asserts it fails against runts.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle, TestBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

const replaceWithSymlink = (b: TestBundle, rel: string, target: string) => {
  fs.rmSync(path.join(b.rootfs, rel), { recursive: true, force: true });
  fs.symlinkSync(target, path.join(b.rootfs, rel));
};

test('CVE-2016-9962 / CVE-2019-5736: the waiting init is non-dumpable; its fds and exe stay closed to the container', () => {
  const b = makeBundle((c) => (c.process.args = ['sleep', '60']));
  const id = uniqueId('dumpable');
  runts.ok(['create', '--bundle', b.dir, id]);
  // pid 1 is still runts-init (waiting on the exec fifo); exec a process beside it.
  const r = runts.run(['exec', id, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; ' +
    'for fd in 0 1 2 3 4; do readlink /proc/1/fd/$fd >/dev/null 2>&1 && echo fd-$fd-readable; cat /proc/1/fd/$fd >/dev/null 2>&1 </dev/null && echo fd-$fd-opened; done; ' +
    'echo x 2>/dev/null >> /proc/1/exe && echo exe-written; readlink /proc/1/exe >/dev/null 2>&1 && echo exe-readable; echo done']);
  expect(r.stdout).toBe('runts-init 4 \ndone\n');
  // Even with access (host root here), the init's exe is a sealed in-memory copy: writing it
  // could never reach the runtime's binary on disk.
  const { pid } = runts.state(id);
  expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe('/memfd:runts-init (deleted)');
  expect(() => fs.appendFileSync(`/proc/${pid}/exe`, 'x')).toThrow(/ETXTBSY|EPERM|EACCES/);
});

test('CVE-2019-19921 / CVE-2023-27561: /proc or /sys as a symlink in the image fails create', () => {
  for (const dir of ['proc', 'sys']) {
    const b = makeBundle();
    fs.mkdirSync(path.join(b.rootfs, 'x'));
    replaceWithSymlink(b, dir, '/x');
    const r = runts.run(['create', '--bundle', b.dir, uniqueId('symproc')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`mount ${dir === 'proc' ? 'proc' : 'sysfs'} to /${dir} (destination): too many levels of symbolic links`);
  }
});

test('CVE-2026-41579: /dev as a symlink to a host path fails create and the host path is untouched', () => {
  const host = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-hostdev-'));
  try {
    const b = makeBundle();
    replaceWithSymlink(b, 'dev', host);
    const r = runts.run(['create', '--bundle', b.dir, uniqueId('symdev')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('to /dev (destination): too many levels of symbolic links');
    expect(fs.readdirSync(host)).toEqual([]);
  } finally {
    fs.rmSync(host, { recursive: true, force: true });
  }
});

test('CVE-2021-30465 / CVE-2024-45310: a symlinked mount destination resolves inside the rootfs, never on the host', () => {
  const host = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-hostmnt-'));
  try {
    const b = makeBundle((c) => {
      c.process.args = ['sh', '-c', 'grep -c " /link/deep/er " /proc/self/mountinfo'];
      c.mounts.push({ destination: '/link/deep/er', type: 'tmpfs', source: 'tmpfs' });
    });
    // An absolute symlink to a host directory, and a relative one climbing out of the rootfs.
    fs.symlinkSync(host, path.join(b.rootfs, 'link'));
    const r = runts.run(['run', '--bundle', b.dir, uniqueId('symmnt')]);
    expect(r.stderr).toBe('');
    expect(fs.readdirSync(host)).toEqual([]);
    expect(fs.existsSync(path.join(b.rootfs, host.slice(1), 'deep', 'er'))).toBe(true);

    const c2 = makeBundle((c) => c.mounts.push({ destination: '/up/x', type: 'tmpfs', source: 'tmpfs' }));
    fs.symlinkSync('../../../../../../..' + host, path.join(c2.rootfs, 'up'));
    expect(runts.run(['run', '--bundle', c2.dir, uniqueId('symup')]).status).toBe(0);
    expect(fs.readdirSync(host)).toEqual([]);
  } finally {
    fs.rmSync(host, { recursive: true, force: true });
  }
});

test('CVE-2022-29162: inheritable capabilities are empty unless asked for', () => {
  const b = makeBundle((c) => (c.process.args = ['grep', '^CapInh', '/proc/self/status']));
  expect(runts.ok(['run', '--bundle', b.dir, uniqueId('capinh')])).toBe('CapInh:\t0000000000000000\n');
});

test('CVE-2024-21626: cwd through a leaked fd fails; the container sees no host fd', () => {
  const leak = makeBundle((c) => (c.process.cwd = '/proc/self/fd/7'));
  const r = runts.run(['run', '--bundle', leak.dir, uniqueId('cwdfd')]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('chdir to cwd /proc/self/fd/7');
  // Open a few fds in runts's parent (this test) to make sure none is inherited.
  const b = makeBundle((c) => (c.process.args = ['sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "']));
  const fds = [0, 1, 2].map(() => fs.openSync('/etc/hostname', 'r'));
  try {
    expect(runts.ok(['run', '--bundle', b.dir, uniqueId('fds')])).toBe('0 1 2 3 ');
  } finally {
    fds.forEach((fd) => fs.closeSync(fd));
  }
});

test('CVE-2025-31133: an image /dev/null symlinked to core_pattern is never the mask source', () => {
  const before = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
  // No /dev tmpfs: the image's own /dev is used, with /dev/null pointing at core_pattern.
  const b = makeBundle((c) => {
    c.mounts = c.mounts.filter((m: any) => !m.destination.startsWith('/dev'));
    c.process.args = ['sh', '-c', 'ls -l /dev/null | cut -c1; wc -c < /proc/keys'];
  });
  fs.mkdirSync(path.join(b.rootfs, 'dev'), { recursive: true });
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(b.rootfs, 'dev', 'null'));
  const r = runts.run(['run', '--bundle', b.dir, uniqueId('devnull')]);
  expect(r.stdout).toBe('c\n0\n');
  expect(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).toBe(before);
});

test('CVE-2019-16884: a volume mounted over /proc does not receive writes meant for procfs', () => {
  const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-fakeproc-'));
  try {
    fs.mkdirSync(path.join(fake, 'sys', 'kernel'), { recursive: true });
    fs.writeFileSync(path.join(fake, 'sys', 'kernel', 'shmmax'), 'untouched');
    const b = makeBundle((c) => {
      c.mounts.push({ destination: '/proc', type: 'bind', source: fake, options: ['rbind'] });
      c.linux.sysctl = { 'kernel.shmmax': '1000000' };
    });
    const r = runts.run(['create', '--bundle', b.dir, uniqueId('fakeproc')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('write sysctl kernel.shmmax: invalid cross-device link');
    expect(fs.readFileSync(path.join(fake, 'sys', 'kernel', 'shmmax'), 'utf8')).toBe('untouched');
  } finally {
    fs.rmSync(fake, { recursive: true, force: true });
  }
});

test('CVE-2025-52565: an image /dev/console symlinked to core_pattern is never a mount target; the console comes from the pty master', async () => {
  // A naive runtime bind-mounts the pty it opened by its /dev/pts/N path onto /dev/console,
  // following the image's symlinks: here the pty would be mounted over the host's core_pattern
  // path in the container (and a symlinked /dev/pts/N would hand it another file).
  const before = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
  const b = makeBundle((c) => {
    c.mounts = c.mounts.filter((m: any) => m.destination !== '/dev');
    c.process.terminal = true;
    c.process.args = ['sh', '-c', 'tty; grep -c core_pattern /proc/self/mountinfo; ls -l /dev/console | cut -c1'];
  });
  const dev = path.join(b.rootfs, 'dev');
  fs.mkdirSync(path.join(dev, 'pts'), { recursive: true });
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(dev, 'console'));
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(dev, 'pts', '0'));
  const sock = path.join(b.dir, 'console.sock');
  const client = spawn('python3', [path.join(__dirname, '..', '..', 'helpers', 'console_client.py'), sock, ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  client.stdout!.on('data', (d) => (out += d));
  const clientDone = new Promise((r) => client.on('exit', r));
  try {
    while (!out.includes('listening')) await new Promise((r) => setTimeout(r, 20));
    const id = uniqueId('console');
    runts.ok(['create', '--bundle', b.dir, '--console-socket', sock, id]);
    runts.ok(['start', id]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([clientDone, new Promise((r) => (timer = setTimeout(r, 10000)))]);
    clearTimeout(timer);
    expect(out.replace(/\r/g, '')).toMatch(/\/dev\/pts\/0\n0\nl\n/);
    expect(fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).toBe(before);
  } finally {
    client.kill();
    await clientDone;
  }
});
