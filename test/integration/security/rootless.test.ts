// Rootless: runts run by an unprivileged user (nobody) with `runts spec --rootless`: a user
// namespace mapping only that user, no cgroups (none are delegated here), and a read-only
// /sys/fs/cgroup inside (CVE-2023-25809).
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, RUNTS } from '../../helpers/bundle';

const NOBODY = 65534;
// The user must reach the checkout (every parent directory searchable) to run bin/runts.
const reachable = spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'test', '-r', path.join(REPO, 'dist', 'cli', 'main.js')]).status === 0;
const describeIfReachable = reachable ? describe : describe.skip;
if (!reachable) console.warn(`rootless tests skipped: uid ${NOBODY} cannot read ${REPO}`);

describeIfReachable('rootless (uid 65534)', () => {
  let dir: string;
  // detached: a container keeps the stdio it is given, so it must not get our pipes.
  const asNobody = (args: string[], detached = false) =>
    spawnSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', RUNTS, '--root', `${dir}/state`, ...args],
      { cwd: dir, encoding: 'utf8', timeout: 20000, stdio: detached ? 'ignore' : 'pipe' });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-rootless-'));
    fs.chmodSync(dir, 0o755);
    execFileSync(path.join(REPO, 'scripts', 'make-rootfs.sh'), [path.join(dir, 'rootfs')]);
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir]);
  });

  afterAll(() => {
    for (const id of fs.existsSync(`${dir}/state`) ? fs.readdirSync(`${dir}/state`) : []) asNobody(['delete', '--force', id]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('spec --rootless, then run: root inside maps to the user; cgroups are read-only; no host fds', () => {
    expect(asNobody(['spec', '--rootless']).status).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(config.linux.namespaces.map((n: { type: string }) => n.type)).toContain('user');
    expect(config.linux.uidMappings).toEqual([{ containerID: 0, hostID: NOBODY, size: 1 }]);
    config.process.terminal = false;
    config.process.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; touch /sys/fs/cgroup/x 2>/dev/null && echo cgroup-writable; ls /proc/self/fd | tr "\\n" " "'];
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    const r = asNobody(['run', 'rootless1']);
    expect(r.stderr).toBe('');
    const [uid, map, fds] = r.stdout.trim().split('\n');
    expect(uid).toBe('0');
    expect(map.trim().split(/\s+/)).toEqual(['0', String(NOBODY), '1']);
    expect(fds.trim()).toBe('0 1 2 3');
  });

  test('create, exec, kill and delete work without root; state lives under --root', () => {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    config.process.args = ['sleep', '30'];
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    expect(asNobody(['run', '-d', 'rootless2'], true).status).toBe(0);
    expect(asNobody(['exec', 'rootless2', 'sh', '-c', 'echo exec $(id -u)']).stdout).toBe('exec 0\n');
    const state = JSON.parse(asNobody(['state', 'rootless2']).stdout);
    expect(state.status).toBe('running');
    expect(fs.statSync(`${dir}/state/rootless2/state.json`).uid).toBe(NOBODY);
    expect(asNobody(['kill', 'rootless2', 'KILL']).status).toBe(0);
    expect(asNobody(['delete', '--force', 'rootless2']).status).toBe(0);
    expect(fs.existsSync(`${dir}/state/rootless2`)).toBe(false);
  });
});
