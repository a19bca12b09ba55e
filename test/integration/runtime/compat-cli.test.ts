// runc's observable command line and exec behaviour (issue 14, item 9). Each test also passes
// against runc:
//   RUNTIME_UNDER_TEST=/usr/sbin/runc npx jest test/integration/runtime/compat-cli.test.ts
// Every bundle names an absolute cgroupsPath: runc would otherwise nest the container under
// its own cgroup, which for this test process is not ours to touch.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { procsOf, releaseCgroup } from '../../helpers/cgroup-cleanup';
import { Runts, RUNTIME, uniqueId } from '../../helpers/runts';

let runts: Runts;
const cgroupsToRemove: string[] = [];
beforeEach(() => (runts = new Runts()));
afterEach(() => {
  runts.reset();
  cgroupsToRemove.splice(0).forEach(releaseCgroup);
});
afterAll(cleanupBundles);

const HIERARCHIES = fs.readdirSync('/sys/fs/cgroup').filter((h) => h !== 'process_api');

function bundle(id: string, edit: (c: any) => void) {
  cgroupsToRemove.push(`/${id}`);
  return makeBundle((c) => {
    c.linux.cgroupsPath = `/${id}`;
    edit(c);
  });
}

function running(name: string, edit?: (c: any) => void) {
  const id = uniqueId(name);
  const b = bundle(id, (c) => {
    c.process.args = ['sleep', '60'];
    edit?.(c);
  });
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  return { id, b, pid: runts.state(id).pid as number };
}



/** The cgroup /<name> in every hierarchy, usable (cpuset seeded from the root). */
function makeCgroup(name: string): void {
  for (const h of HIERARCHIES) {
    const dir = path.join('/sys/fs/cgroup', h, name);
    fs.mkdirSync(dir);
    if (h === 'cpuset') for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join('/sys/fs/cgroup/cpuset', f)));
  }
}

describe('command line', () => {
  test('run --keep leaves the stopped container for state and delete (with -d it changes nothing)', () => {
    const id = uniqueId('cb-keep');
    const b = bundle(id, (c) => (c.process.args = ['sh', '-c', 'exit 3']));
    expect(runts.run(['run', '--keep', '--bundle', b.dir, id]).status).toBe(3);
    expect(runts.state(id).status).toBe('stopped');
    runts.ok(['delete', id]);
    expect(runts.run(['state', id]).status).not.toBe(0);
    runts.ok(['run', '-d', '--keep', '--bundle', b.dir, id]);
  });

  test('kill with signal 0 checks that the container runs, with and without --all', () => {
    const { id } = running('cb-kill0');
    expect(runts.run(['kill', id, '0'])).toMatchObject({ status: 0, stderr: '' });
    expect(runts.run(['kill', '-a', id, '0'])).toMatchObject({ status: 0, stderr: '' });
    expect(runts.state(id).status).toBe('running');
    runts.ok(['kill', id, 'KILL']);
    const deadline = Date.now() + 5000;
    while (runts.state(id).status !== 'stopped' && Date.now() < deadline);
    const r = runts.run(['kill', id, '0']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('container not running');
  });

  test('ps ID [ps options]: everything after the id goes to ps', () => {
    const { id, pid } = running('cb-ps');
    const r = runts.run(['ps', id, '-e', '-x']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // `ps -e -x` prints a STAT column, which the default `ps -ef` does not.
    expect(lines[0]).toMatch(/PID .*STAT/);
    expect(lines.slice(1).map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([pid]);
    expect(runts.run(['ps', id, '-o', 'pid,comm']).stdout).toMatch(new RegExp(`^\\s*PID COMMAND\\n\\s*${pid} sleep\\n$`));
    expect(JSON.parse(runts.ok(['ps', '--format', 'json', id]))).toEqual([pid]);
  });

  test('--debug writes debug lines to stderr, or to --log in text and json', () => {
    // Debug lines come from create and start, which both runtimes log (runc: nsexec's).
    const id2 = uniqueId('cb-debug');
    const b = bundle(id2, (c) => (c.process.args = ['true']));
    const toStderr = runts.run(['--debug', 'run', '--bundle', b.dir, id2]);
    expect(toStderr.status).toBe(0);
    expect(toStderr.stderr).toMatch(/level=debug msg=/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-log-'));
    try {
      runts.ok(['--debug', '--log', path.join(dir, 'text.log'), 'run', '--bundle', b.dir, id2]);
      expect(fs.readFileSync(path.join(dir, 'text.log'), 'utf8')).toMatch(/^time="[^"]+" level=debug msg=/m);
      runts.ok(['--debug', '--log', path.join(dir, 'json.log'), '--log-format', 'json', 'run', '--bundle', b.dir, id2]);
      const lines = fs.readFileSync(path.join(dir, 'json.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.some((l) => l.level === 'debug' && typeof l.msg === 'string' && typeof l.time === 'string')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('-h and --help work for every command; an unknown command fails as runc does', () => {
    const commands = ['create', 'start', 'run', 'exec', 'state', 'kill', 'delete', 'list', 'spec', 'features', 'pause', 'resume', 'ps', 'events', 'update'];
    for (const c of commands) {
      for (const h of ['-h', '--help']) {
        const r = runts.run([c, h]);
        expect({ c, h, status: r.status, stderr: r.stderr }).toEqual({ c, h, status: 0, stderr: '' });
        expect(r.stdout).toContain(c);
      }
    }
    expect(runts.run(['help'])).toMatchObject({ status: 0, stderr: '' });
    expect(runts.run(['help', 'kill'])).toMatchObject({ status: 0, stdout: expect.stringContaining('kill') });
    for (const args of [['no-such-command'], ['help', 'no-such-command']]) {
      const r = runts.run(args);
      expect(r.status).toBe(3);
      expect(r.stderr).toContain("No help topic for 'no-such-command'");
    }
  });
});

describe('exec', () => {
  test('a process.json without user runs as uid 0', () => {
    const { id, b } = running('cb-nouser');
    const proc = path.join(b.dir, 'process.json');
    fs.writeFileSync(proc, JSON.stringify({ args: ['id', '-u'], cwd: '/', env: ['PATH=/bin'] }));
    expect(runts.run(['exec', '--process', proc, id])).toEqual({ status: 0, stdout: '0\n', stderr: '' });
  });

  test('exit codes: the process\'s own status, 255 with "exec failed:" when it cannot start', () => {
    const { id } = running('cb-codes');
    expect(runts.run(['exec', id, 'sh', '-c', 'exit 7']).status).toBe(7);
    expect(runts.run(['exec', id, 'sh', '-c', 'kill -9 $$']).status).toBe(137);
    for (const [args, message] of [
      [[id, '/etc/passwd'], 'permission denied'],
      [['--cwd', '/nonexistent', id, 'true'], 'no such file or directory'],
      [['no-such-container', 'true'], 'does not exist'],
    ] as [string[], string][]) {
      const r = runts.run(['exec', ...args]);
      expect({ args, status: r.status }).toEqual({ args, status: 255 });
      expect(r.stderr).toMatch(new RegExp(`exec failed: .*${message}`));
    }
  });

  test('a paused container refuses exec, unless --ignore-paused: that process runs once resumed', async () => {
    const { id } = running('cb-paused');
    runts.ok(['pause', id]);
    const r = runts.run(['exec', id, 'true']);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('exec failed: cannot exec in a paused container (use --ignore-paused to override)');
    // The exec'd process joins the frozen cgroup, so it can only finish after resume.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-out-'));
    const out = fs.openSync(path.join(dir, 'out'), 'w');
    const exec = spawn(RUNTIME, ['--root', runts.root, 'exec', '--ignore-paused', id, 'echo', 'ran'], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const exited = new Promise<number | null>((resolve) => exec.on('exit', resolve));
    const killer = setTimeout(() => exec.kill('SIGKILL'), 15000);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      runts.ok(['resume', id]);
      expect(await exited).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'out'), 'utf8')).toBe('ran\n');
    } finally {
      clearTimeout(killer);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cgroups', () => {
  test('run into a cgroup that already has a process warns with runc\'s words, runs, and leaves that process alone', () => {
    const id = uniqueId('cb-nonempty');
    cgroupsToRemove.push(`/${id}`);
    makeCgroup(id);
    const outsider = spawn('sh', ['-c', 'for d in /sys/fs/cgroup/*/"$0"; do echo $$ > "$d/cgroup.procs"; done; exec sleep 60', id], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 5000;
      while (procsOf('pids', id) === '' && Date.now() < deadline);
      const b = makeBundle((c) => {
        c.linux.cgroupsPath = `/${id}`;
        c.process.args = ['echo', 'ran'];
      });
      const r = runts.run(['run', '--bundle', b.dir, id]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('ran\n');
      expect(r.stderr).toContain("container's cgroup is not empty: 1 process(es) found");
      expect(outsider.exitCode).toBe(null);
      expect(procsOf('pids', id)).toBe(String(outsider.pid));
    } finally {
      outsider.kill('SIGKILL');
    }
  });

  test('linux.resources.unified on a v1 host fails clearly', () => {
    const id = uniqueId('cb-unified');
    const b = bundle(id, (c) => {
      c.process.args = ['true'];
      c.linux.resources = { ...c.linux.resources, unified: { 'memory.max': '100000000' } };
    });
    const r = runts.run(['run', '--bundle', b.dir, id]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unified.*cgroup v1|cgroup v1.*unified/);
    expect(runts.run(['state', id]).status).not.toBe(0);
  });

  test('exec on a hybrid host joins every hierarchy of the container, cgroup2 included', () => {
    const { id, pid, b } = running('cb-hybrid');
    const pidFile = path.join(b.dir, 'exec.pid');
    runts.ok(['exec', '-d', '--pid-file', pidFile, id, 'sleep', '30']);
    const execPid = fs.readFileSync(pidFile, 'utf8').trim();
    const lines = (p: number | string) => fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').trim().split('\n').sort();
    expect(lines(execPid)).toEqual(lines(pid));
    expect(lines(execPid)).toContain(`0::/${id}`);
    // exec --cgroup: the sub-cgroup in every v1 hierarchy (and cgroup2 for runts; runc 1.1.5
    // leaves a hybrid host's cgroup2 at the container's own).
    for (const h of HIERARCHIES) {
      const dir = path.join('/sys/fs/cgroup', h, id, 'sub');
      fs.mkdirSync(dir);
      if (h === 'cpuset') for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join('/sys/fs/cgroup/cpuset', id, f)));
    }
    runts.ok(['exec', '-d', '--pid-file', pidFile, '--cgroup', 'sub', id, 'sleep', '30']);
    const subLines = lines(fs.readFileSync(pidFile, 'utf8').trim());
    const v1 = subLines.filter((l) => !l.startsWith('0::') && !l.includes('name=systemd'));
    expect(v1.length).toBeGreaterThan(5);
    for (const l of v1) expect(l).toMatch(new RegExp(`:/${id}/sub$`));
    if (!process.env.RUNTIME_UNDER_TEST) expect(subLines).toContain(`0::/${id}/sub`);
  });

  test('delete --force of a container with sub-cgroups, running or paused, removes them all', () => {
    for (const paused of [false, true]) {
      const { id } = running(paused ? 'cb-subs-paused' : 'cb-subs');
      for (const h of HIERARCHIES) {
        const dir = path.join('/sys/fs/cgroup', h, id, 'sub', 'deeper');
        fs.mkdirSync(dir, { recursive: true });
        if (h === 'cpuset') {
          for (const d of [path.dirname(dir), dir]) for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(d, f), fs.readFileSync(path.join('/sys/fs/cgroup/cpuset', id, f)));
        }
      }
      runts.ok(['exec', '-d', '--cgroup', 'sub/deeper', id, 'sleep', '30']);
      if (paused) runts.ok(['pause', id]);
      const r = runts.run(['delete', '--force', id]);
      expect({ paused, status: r.status, stderr: r.stderr }).toEqual({ paused, status: 0, stderr: '' });
      for (const h of HIERARCHIES) expect(fs.existsSync(path.join('/sys/fs/cgroup', h, id))).toBe(false);
    }
  });

  test('update: cpu period/quota under a parent with its own limit, cpuset, rt period/runtime, and a paused container', () => {
    const parent = `cb-parent-${process.pid}`;
    cgroupsToRemove.push(`/${parent}`);
    makeCgroup(parent);
    fs.writeFileSync(`/sys/fs/cgroup/cpu/${parent}/cpu.cfs_period_us`, '100000');
    fs.writeFileSync(`/sys/fs/cgroup/cpu/${parent}/cpu.cfs_quota_us`, '50000');
    const id = uniqueId('cb-update');
    const b = makeBundle((c) => {
      c.linux.cgroupsPath = `/${parent}/${id}`;
      c.process.args = ['sleep', '60'];
    });
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    const read = (h: string, f: string) => fs.readFileSync(`/sys/fs/cgroup/${h}/${parent}/${id}/${f}`, 'utf8').trim();
    runts.ok(['update', '--cpu-period', '200000', '--cpu-quota', '100000', id]);
    expect([read('cpu', 'cpu.cfs_period_us'), read('cpu', 'cpu.cfs_quota_us')]).toEqual(['200000', '100000']);
    runts.ok(['update', '--resources', '-', id], { input: JSON.stringify({ cpu: { cpus: '0', mems: '0' } }) });
    expect([read('cpuset', 'cpuset.cpus'), read('cpuset', 'cpuset.mems')]).toEqual(['0', '0']);
    runts.ok(['update', '--cpu-rt-period', '1000000', '--cpu-rt-runtime', '0', id]);
    expect([read('cpu', 'cpu.rt_period_us'), read('cpu', 'cpu.rt_runtime_us')]).toEqual(['1000000', '0']);
    runts.ok(['pause', id]);
    runts.ok(['update', '--memory', String(64 * 1024 * 1024), id]);
    expect(read('memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(runts.state(id).status).toBe('paused');
    runts.ok(['resume', id]);
    runts.ok(['delete', '--force', id]);
  });

  test('update of device rules: a process using /dev/null never loses it while a deny-all list is rewritten', () => {
    const { id, b } = running('cb-devupdate', (c) => {
      c.root.readonly = false;
      c.process.args = ['sh', '-c', 'while true; do echo x > /dev/null || echo denied >> /failures; done'];
    });
    const list = JSON.parse(JSON.stringify(b.config.linux.resources.devices ?? [])) as any[];
    const withDefaults = [{ allow: false, access: 'rwm' }, ...['1:3', '1:5', '1:7', '1:8', '1:9', '5:0', '5:2', '10:200'].map((n) => ({ allow: true, type: 'c', major: Number(n.split(':')[0]), minor: Number(n.split(':')[1]), access: 'rwm' })), ...list.filter((d) => d.allow)];
    for (let i = 0; i < 20; i++) {
      const extra = i % 2 ? [{ allow: true, type: 'c', major: 1, minor: 11, access: 'rw' }] : [];
      runts.ok(['update', '--resources', '-', id], { input: JSON.stringify({ devices: [...withDefaults, ...extra] }) });
    }
    expect(fs.existsSync(path.join(b.rootfs, 'failures'))).toBe(false);
    // runc 1.1.5 leaves device rules out of update; runts applies them.
    if (!process.env.RUNTIME_UNDER_TEST) expect(fs.readFileSync(`/sys/fs/cgroup/devices/${id}/devices.list`, 'utf8')).toMatch(/^c 1:11 rw$/m);
  });

  test('delete of a stopped container without a pid namespace kills what its init left running', () => {
    const id = uniqueId('cb-nopidns');
    const b = bundle(id, (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'pid');
      c.process.args = ['sh', '-c', 'sleep 60 & echo $! > /tmp/left; exit 0'];
      c.root.readonly = false;
    });
    runts.ok(['run', '-d', '--bundle', b.dir, id]);
    const deadline = Date.now() + 5000;
    while (runts.state(id).status !== 'stopped' && Date.now() < deadline);
    const left = procsOf('pids', id);
    expect(left).not.toBe('');
    const r = runts.run(['delete', id]);
    expect(r.status).toBe(0);
    // runc 1.1.5 warns while it retries the removal; runts waits for the killed processes first.
    if (!process.env.RUNTIME_UNDER_TEST) expect(r.stderr).toBe('');
    for (const h of HIERARCHIES) expect(fs.existsSync(path.join('/sys/fs/cgroup', h, id))).toBe(false);
  });

  test('a pre-existing frozen cgroup is refused at once, and stays as it was', () => {
    const id = uniqueId('cb-frozen');
    cgroupsToRemove.push(`/${id}`);
    makeCgroup(id);
    fs.writeFileSync(`/sys/fs/cgroup/freezer/${id}/freezer.state`, 'FROZEN');
    const b = makeBundle((c) => {
      c.linux.cgroupsPath = `/${id}`;
      c.process.args = ['true'];
    });
    const t0 = Date.now();
    const r = runts.run(['run', '--bundle', b.dir, id]);
    expect(Date.now() - t0).toBeLessThan(10000);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("container's cgroup unexpectedly frozen");
    expect(runts.run(['state', id]).status).not.toBe(0);
    for (const h of HIERARCHIES) expect(fs.existsSync(path.join('/sys/fs/cgroup', h, id))).toBe(true);
  });
});

test('exec -t as a non-root user: the pty belongs to that user', async () => {
  const { id, b } = running('cb-ptyowner');
  const sock = path.join(b.dir, 'console.sock');
  const client = spawn('python3', [path.join(__dirname, '..', '..', 'helpers', 'console_client.py'), sock, ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  client.stdout!.on('data', (d) => (out += d));
  const clientDone = new Promise((r) => client.on('exit', r));
  try {
    const deadline = Date.now() + 10000;
    while (!out.includes('listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const r = runts.run(['exec', '-d', '-t', '--console-socket', sock, '--user', '1000:1000', id, 'sh', '-c', 'stat -c "owner %u" $(tty)']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    await Promise.race([clientDone, new Promise((r) => setTimeout(r, 10000))]);
    expect(out).toMatch(/owner 1000\r?\n/);
  } finally {
    client.kill();
  }
});
