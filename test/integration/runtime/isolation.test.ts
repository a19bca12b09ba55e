// What the container gets: its own namespaces, mounts with the right flags, a read-only root,
// masked and read-only paths, and the process settings of config.json.
import * as fs from 'fs';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
beforeEach(() => (runts = new Runts()));
afterEach(() => runts.reset());
afterAll(cleanupBundles);

/** Runs `script` in a fresh container from a runts-spec bundle and returns its stdout. */
function inContainer(script: string, edit?: (c: any) => void): { status: number; stdout: string; stderr: string } {
  const b = makeBundle((c) => {
    c.process.args = ['sh', '-c', script];
    edit?.(c);
  });
  return runts.run(['run', '--bundle', b.dir, uniqueId('iso')]);
}

const hostNs = (ns: string) => fs.readlinkSync(`/proc/self/ns/${ns}`);

test('pid, uts, ipc, net, mount and cgroup namespaces are the container\'s own', () => {
  const r = inContainer('echo pid=$$; hostname; for n in ipc net mnt uts cgroup pid; do readlink /proc/self/ns/$n; done; ls /sys/class/net');
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toBe('pid=1');
  expect(lines[1]).toBe('runts');
  const namespaces = lines.slice(2, 8);
  for (const [i, ns] of ['ipc', 'net', 'mnt', 'uts', 'cgroup', 'pid'].entries()) {
    expect(namespaces[i]).toMatch(new RegExp(`^${ns}:\\[\\d+\\]$`));
    expect(namespaces[i]).not.toBe(hostNs(ns));
  }
  expect(lines.slice(8)).toEqual(['lo']);
});

test('a namespace given by path is joined, not created', () => {
  const r = inContainer('readlink /proc/self/ns/net', (c) => {
    c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : n));
  });
  expect(r.stderr).toBe('');
  // /proc/self of the runtime process at join time is the host's network namespace.
  expect(r.stdout.trim()).toBe(hostNs('net'));
});

test('the mount table holds the spec mounts with their flags and nothing of the host', () => {
  const r = inContainer('cat /proc/self/mountinfo');
  expect(r.status).toBe(0);
  const mounts = r.stdout.trim().split('\n').map((l) => {
    const f = l.split(' ');
    const sep = f.indexOf('-');
    return { dest: f[4], opts: f[5], type: f[sep + 1], super: f[sep + 3] };
  });
  const at = (d: string) => mounts.find((m) => m.dest === d);
  expect(at('/proc')?.type).toBe('proc');
  expect(at('/sys')).toMatchObject({ type: 'sysfs' });
  expect(at('/sys')!.opts.split(',')).toEqual(expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']));
  expect(at('/dev/shm')!.opts.split(',')).toEqual(expect.arrayContaining(['nosuid', 'nodev', 'noexec']));
  expect(at('/dev/pts')?.type).toBe('devpts');
  expect(at('/dev/mqueue')?.type).toBe('mqueue');
  expect(at('/sys/fs/cgroup')!.opts.split(',')).toContain('ro');
  expect(at('/')!.opts.split(',')).toContain('ro');
  expect(mounts.some((m) => m.dest.startsWith('/work') || m.dest.startsWith('/tmp/runts'))).toBe(false);
});

test('the read-only rootfs refuses writes; masked and read-only paths hold', () => {
  const r = inContainer(
    'touch /x 2>/dev/null && echo root-writable; ' +
      'wc -c < /proc/keys; ls /sys/firmware | wc -l; ' +
      'echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-writable; ' +
      'echo 1 > /proc/sysrq-trigger 2>/dev/null && echo sysrq-writable; echo done',
  );
  expect(r.stdout.trim().split('\n')).toEqual(['0', '0', 'done']);
});

test('default devices and /dev symlinks exist', () => {
  const r = inContainer('ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | cut -c1-10; readlink /dev/fd; readlink /dev/ptmx; head -c 4 /dev/zero | wc -c');
  expect(r.stdout.trim().split('\n')).toEqual([...Array(6).fill('crw-rw-rw-'), '/proc/self/fd', 'pts/ptmx', '4']);
});

test('bind mounts honour ro, and the source is the host path', () => {
  const b = makeBundle();
  const shared = fs.mkdtempSync('/tmp/runts-bind-');
  try {
    fs.writeFileSync(`${shared}/hello`, 'from host');
    b.config.mounts.push({ destination: '/data', type: 'bind', source: shared, options: ['rbind', 'ro'] });
    b.config.mounts.push({ destination: '/rw', type: 'bind', source: shared, options: ['bind'] });
    b.config.process.args = ['sh', '-c', 'cat /data/hello; touch /data/x 2>/dev/null && echo data-writable; echo hi > /rw/out'];
    b.save();
    const r = runts.run(['run', '--bundle', b.dir, uniqueId('bind')]);
    expect(r.stdout).toBe('from host');
    expect(fs.readFileSync(`${shared}/out`, 'utf8')).toBe('hi\n');
  } finally {
    fs.rmSync(shared, { recursive: true, force: true });
  }
});

test('env, cwd, user, groups, umask, rlimits, hostname, capabilities and oomScoreAdj are applied', () => {
  const r = inContainer('echo $FOO; pwd; id -u; id -g; id -G; umask; ulimit -n; ulimit -Hn; grep -E "^Cap(Eff|Bnd|Inh|Amb)" /proc/self/status; cat /proc/self/oom_score_adj; grep NoNewPrivs /proc/self/status', (c) => {
    c.process.env.push('FOO=bar baz');
    c.process.cwd = '/tmp';
    c.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 0o27 };
    c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 768 }];
    c.process.oomScoreAdj = 123;
    c.hostname = 'box';
  });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split('\n')).toEqual([
    'bar baz', '/tmp', '1000', '1001', '1001 5 7', '0027', '512', '768',
    'CapInh:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t00000000200000400'.replace('00000000200000400', '0000000020000420'),
    'CapAmb:\t0000000000000000', '123', 'NoNewPrivs:\t1',
  ]);
});
