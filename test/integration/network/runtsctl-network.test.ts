// runtsctl's docker-like commands with real CNI plugins, against a real runtsd and the runts
// shim, on a bridge network, conf dir, subnet and data root of this test's own. Traffic goes only
// to loopback, the test bridge's host address and the containers this test started.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TaskEnv, missingPrerequisite, startTaskEnv } from '../daemon/task-env';
import { TestNetwork, makeTestNetwork, sh } from '../../helpers/cni-net';
import { INDEX_HTML, buildHttpdImage } from '../../helpers/httpd-image';
import { Cni } from '../../../src/network/cni/cni';
import { NetnsDir } from '../../../src/network/netns';
import { sweepStale } from '../../../src/network/attach';

const RUNTSCTL = path.resolve(__dirname, '../../../bin/runtsctl');
const IMAGE = 'example.com/runts/httpd:net';
const skip = missingPrerequisite() ?? (fs.existsSync('/usr/lib/cni/bridge') ? undefined : 'needs containernetworking-plugins');
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`runtsctl network test skipped: ${skip}`);

describeIfPossible('runtsctl with CNI networks', () => {
  let env: TaskEnv;
  let net: TestNetwork;
  let dataRoot: string;
  const port = 20000 + (process.pid % 20000);

  const ctlWith = (extra: string[], ...args: string[]) => {
    const r = spawnSync(process.execPath, [RUNTSCTL, '--address', env.daemon.socket, '-n', env.namespace, '--data-root', dataRoot,
      '--cni-netconfpath', net.confDir, ...extra, ...args], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ctl = (...args: string[]) => ctlWith([], ...args);
  const ok = (...args: string[]) => {
    const r = ctl(...args);
    if (r.status !== 0) throw new Error(`runtsctl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  };
  const inspect = (name: string) => JSON.parse(ok('inspect', name))[0];
  const netnsPins = () => (fs.existsSync(path.join(dataRoot, 'netns')) ? fs.readdirSync(path.join(dataRoot, 'netns')) : []);
  const records = () => env.ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean);
  /** The body at url from the host ('' when nothing answers), with Node's http client. */
  const fetch = (url: string) => spawnSync(process.execPath, ['-e', `require('http').get(process.argv[1], { timeout: 5000 }, (r) => r.pipe(process.stdout))
    .on('timeout', function () { this.destroy(); }).on('error', () => undefined)`, url], { encoding: 'utf8', timeout: 15000 }).stdout;
  const dnatRules = () => sh('iptables', ['-t', 'nat', '-S']).stdout.split('\n').filter((l) => l.includes(`--dport ${port}`));

  /** Nothing of a container is left: no veth on the bridge, no pin, no nat rule, no record. */
  const expectClean = () => {
    expect(net.bridgePorts()).toEqual([]);
    expect(netnsPins()).toEqual([]);
    expect(net.natRules()).toEqual([]);
    expect(dnatRules()).toEqual([]);
    expect(records()).toEqual([]);
  };

  beforeAll(async () => {
    net = makeTestNetwork('ctl');
    dataRoot = path.join(net.dir, 'data');
    env = await startTaskEnv('net');
    const work = path.join(net.dir, 'image');
    fs.mkdirSync(work);
    ok('images', 'import', buildHttpdImage(work, IMAGE));
  }, 60000);

  afterAll(async () => {
    try {
      for (const id of ctl('ps', '-aq').stdout.split('\n').filter(Boolean)) ctl('rm', '-f', id);
      const leftover = { confDir: net.confDir, cni: new Cni({ cacheDir: path.join(dataRoot, 'cni') }), netns: new NetnsDir(path.join(dataRoot, 'netns')) };
      await sweepStale(leftover, () => false).catch(() => undefined);
    } finally {
      await env?.cleanup();
      net?.cleanup();
      // the shims' per-namespace state dir, when they did not use RUNTS_SHIM_ROOT (empty by now)
      try {
        if (env) fs.rmdirSync(path.join('/run/containerd/runts', env.namespace));
      } catch {
        // not there (or not empty: then not ours to remove)
      }
    }
  }, 60000);

  test('two containers on the bridge reach each other; a published port answers on 127.0.0.1 and the bridge address; rm takes it all', () => {
    ok('run', '-d', '--name', 'web', '-p', `${port}:80`, '--network', net.name, IMAGE);
    const web = inspect('web');
    expect(web.State.Running).toBe(true);
    expect(web.NetworkSettings.IPAddress).toMatch(new RegExp(`^${net.subnet.replace(/0\/24$/, '').replace(/\./g, '\\.')}\\d+$`));
    expect(web.NetworkSettings.Gateway).toBe(net.gateway);
    expect(web.NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(port) }] });
    expect(ok('port', 'web')).toBe(`80/tcp -> 0.0.0.0:${port}\n`);

    // the other container fetches from web by its address over the bridge
    const client = ctl('run', '--rm', '--network', net.name, IMAGE, 'wget', '-q', '-O', '-', `http://${web.NetworkSettings.IPAddress}/`);
    expect(client).toMatchObject({ status: 0, stdout: INDEX_HTML });
    expect(fetch(`http://127.0.0.1:${port}/`)).toBe(INDEX_HTML);
    expect(fetch(`http://${net.gateway}:${port}/`)).toBe(INDEX_HTML);

    expect(net.natRules().join('\n')).toContain('MASQUERADE');
    expect(dnatRules().join('\n')).toContain(`DNAT --to-destination ${web.NetworkSettings.IPAddress}:80`);
    expect(net.bridgePorts()).toHaveLength(1);
    expect(netnsPins()).toHaveLength(1);

    expect(ok('exec', 'web', 'cat', '/www/index.html')).toBe(INDEX_HTML);
    expect(ctl('exec', 'web', 'sh', '-c', 'exit 3').status).toBe(3);
    expect(ok('ps')).toMatch(new RegExp(`Up .* 80/tcp -> 0\\.0\\.0\\.0:${port} +web\\n`));

    // a second container cannot take the same host port, and leaves nothing
    const taken = ctl('run', '-d', '--name', 'web2', '-p', `${port}:80`, '--network', net.name, IMAGE);
    expect(taken).toMatchObject({ status: 125, stderr: `runtsctl: Bind for 0.0.0.0:${port} failed: port is already allocated\n` });
    expect(records()).toHaveLength(1);

    const rm = ctl('rm', 'web');
    expect(rm.status).toBe(1);
    expect(rm.stderr).toMatch(/You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove/);
    expect(ok('stop', '-t', '1', 'web')).toBe('web\n');
    expect(inspect('web').State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 137 });
    expect(ok('rm', 'web')).toBe('web\n');
    expectClean();
    expect(fetch(`http://127.0.0.1:${port}/`)).toBe('');
  });

  test('--network none has only lo, up; --network host sees the host\'s interfaces; exit codes are the command\'s', () => {
    const none = ctl('run', '--rm', '--network', 'none', IMAGE, 'ip', '-o', 'link');
    expect(none.status).toBe(0);
    const links = none.stdout.split('\n').filter(Boolean);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);

    const host = ctl('run', '--rm', '--network', 'host', IMAGE, 'ip', '-o', 'link');
    expect(host.status).toBe(0);
    // the host's own interfaces: the one its default route uses (or any not lo)
    const hostLink = /dev (\S+)/.exec(sh('ip', ['route', 'show', 'default']).stdout)?.[1]
      ?? sh('ip', ['-o', 'link']).stdout.split('\n').map((l) => l.split(': ')[1]).find((n) => n && n !== 'lo')!;
    expect(host.stdout).toContain(`: ${hostLink.split('@')[0]}`);

    expect(ctl('run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'exit 7').status).toBe(7);
    const shared = path.join(net.dir, 'shared');
    fs.mkdirSync(shared, { recursive: true });
    fs.writeFileSync(path.join(shared, 'f'), 'from the host\n');
    const mounted = ctl('run', '--rm', '--network', 'none', '-e', 'GREETING=hi there', '-v', `${shared}:/data:ro`, IMAGE,
      'sh', '-c', 'echo "$GREETING"; cat /data/f; touch /data/new 2>/dev/null || echo read-only');
    expect(mounted).toMatchObject({ status: 0, stdout: 'hi there\nfrom the host\nread-only\n' });
    expect(fs.readdirSync(shared)).toEqual(['f']);
    const missing = ctl('run', '--rm', '--network', 'none', IMAGE, '/no/such/binary');
    expect(missing.status).toBe(127);
    expect(missing.stderr).toMatch(/^runtsctl: .*no such file or directory/);
    expectClean();
  });

  test('-i feeds stdin; -t gives a terminal', () => {
    const fed = spawnSync(process.execPath, [RUNTSCTL, '--address', env.daemon.socket, '-n', env.namespace, '--data-root', dataRoot,
      '--cni-netconfpath', net.confDir, 'run', '-i', '--rm', '--network', 'none', IMAGE, 'cat'], { encoding: 'utf8', input: 'through stdin\n', timeout: 60000 });
    expect(fed).toMatchObject({ status: 0, stdout: 'through stdin\n' });
    const argv = [RUNTSCTL, '--address', env.daemon.socket, '-n', env.namespace, '--data-root', dataRoot, '--cni-netconfpath', net.confDir,
      'run', '-t', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'test -t 1 && echo "tty $TERM"'];
    // script(1) gives runtsctl a terminal of its own, as a user's shell would
    const tty = spawnSync('script', ['-qec', argv.map((a) => `'${a}'`).join(' ').replace(/^/, `'${process.execPath}' `), '/dev/null'], { encoding: 'utf8', timeout: 60000 });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toContain('tty xterm');
    expectClean();
  });

  test('logs shows what a detached container printed; kill ends it', () => {
    ok('run', '-d', '--name', 'talker', '--network', 'none', IMAGE, 'sh', '-c', 'echo one; echo two >&2; sleep 600');
    for (let i = 0; i < 50 && !ok('logs', 'talker').includes('two'); i++) spawnSync('sleep', ['0.1']);
    expect(ok('logs', 'talker').split('\n').sort()).toEqual(['', 'one', 'two']);
    expect(ok('kill', 'talker')).toBe('talker\n');
    expect(ok('logs', '-f', 'talker')).toContain('one\n');
    const again = ctl('kill', 'talker');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/Cannot kill container: talker: Container [0-9a-f]{64} is not running/);
    ok('rm', 'talker');
    expectClean();
  });

  test('kill -9 of runtsd with a container running: after a restart rm still cleans everything', async () => {
    ok('run', '-d', '--name', 'survivor', '-p', `${port}:80`, '--network', net.name, IMAGE);
    await env.daemon.kill('SIGKILL');
    expect(fetch(`http://127.0.0.1:${port}/`)).toBe(INDEX_HTML);
    await env.daemon.restart();
    expect(ok('rm', '-f', 'survivor')).toBe('survivor\n');
    expectClean();
  }, 60000);

  test('an attachment whose container is gone (runtsctl killed midway) is swept by the next run', () => {
    ok('run', '-d', '--name', 'orphan', '--network', net.name, IMAGE);
    const id = inspect('orphan').Id;
    // the record goes behind runtsctl's back, as if it died between its steps
    env.ctr(['tasks', 'kill', '-s', 'KILL', id]);
    for (let i = 0; i < 50 && env.ctr(['tasks', 'delete', id]).status !== 0; i++) spawnSync('sleep', ['0.1']);
    env.ctr(['snapshots', 'rm', id]);
    expect(env.ctr(['containers', 'delete', id]).status).toBe(0);
    expect(netnsPins()).toHaveLength(1);
    expect(net.natRules()).not.toEqual([]);
    ok('run', '--rm', '--network', 'none', IMAGE, 'true');
    expectClean();
  });

  test('bad input: unknown network, missing plugin, broken conflist, unknown image, bad -p: one line each, nothing left', () => {
    const cases: [string[], string[], RegExp][] = [
      [[], ['--network', 'no-such-net'], /^runtsctl: network no-such-net not found \(no CNI config with that name in /],
      [['--cni-path', path.join(net.dir, 'no-plugins')], ['--network', net.name], /^runtsctl: CNI plugin (loopback|bridge) not found in .*no-plugins\n$/],
      [[], ['--network', 'none', '-p', '80'], /^runtsctl: invalid -p 80: expected \[IP:\]HOST_PORT:CONTAINER_PORT/],
    ];
    for (const [global, run, message] of cases) {
      const r = ctlWith(global, 'run', '-d', ...run, IMAGE);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.status).toBe(125);
      expectClean();
    }
    const image = ctl('run', '--network', net.name, 'example.com/no/such:1');
    expect(image).toMatchObject({ status: 125, stderr: "runtsctl: Unable to find image 'example.com/no/such:1' locally: image not found (import it with runtsctl images import)\n" });

    fs.writeFileSync(path.join(net.confDir, '05-broken.conflist'), '{"name": "broken", "plugins": [');
    try {
      const broken = ctl('run', '-d', '--network', 'broken', IMAGE);
      expect(broken.status).toBe(125);
      expect(broken.stderr).toMatch(/^runtsctl: network broken not found in .*; CNI config .*05-broken\.conflist: not valid JSON/);
      // the other networks in the dir still work
      expect(ctl('run', '--rm', '--network', net.name, IMAGE, 'true').status).toBe(0);
    } finally {
      fs.rmSync(path.join(net.confDir, '05-broken.conflist'));
    }
    expectClean();
    const none = ctl('rm', 'no-such-container');
    expect(none).toMatchObject({ status: 1, stderr: 'runtsctl: No such container: no-such-container\n' });
  });
});
