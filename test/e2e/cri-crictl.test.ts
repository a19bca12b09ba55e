// runtsd as a Kubernetes runtime, driven by the real crictl: a pod with two containers sharing
// its network (one serves HTTP, the other fetches it over localhost and the pod's IP), CRI logs,
// exec --sync, stats, inspect, stop/rm, host-network pods, images, and a kill -9 of runtsd with
// the pod running. Skipped with a printed reason when crictl is not there.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { CriEnv, IMAGE, findCrictl, podConfig, startCri } from '../helpers/cri';
import { INDEX_HTML } from '../helpers/httpd-image';

const crictl = findCrictl();
if (!crictl) process.stdout.write('cri-crictl: skipped, no crictl in PATH or ../shared/tools\n');
const describeIf = crictl ? describe : describe.skip;

jest.setTimeout(120000);

let env: CriEnv;
let logDir: string;

beforeAll(async () => {
  if (!crictl) return;
  env = await startCri('cri', crictl);
  logDir = path.join(env.net.dir, 'pod-logs');
});

afterAll(async () => {
  await env?.cleanup();
});

const inspect = (kind: 'inspect' | 'inspectp', id: string) => JSON.parse(env.crictl(kind, id));
const lines = (s: string) => s.split('\n').filter(Boolean);
/** crictl exec --sync prints the command's stdout, then a newline of its own for each stream. */
const execOut = (...args: string[]) => env.crictl('exec', '--sync', ...args).replace(/\n\n$/, '');

describeIf('crictl against runtsd', () => {
  test('version and status: runtime and pod network ready, cgroupfs', () => {
    expect(env.crictl('version')).toMatch(/RuntimeName:\s+runts[\s\S]*RuntimeApiVersion:\s+v1/);
    const info = JSON.parse(env.crictl('info'));
    const conditions = Object.fromEntries(info.status.conditions.map((c: { type: string; status: boolean }) => [c.type, c.status]));
    expect(conditions).toEqual({ RuntimeReady: true, NetworkReady: true });
  });

  test('images: the imported image is listed and inspected by name and ID', () => {
    const images = JSON.parse(env.crictl('images', '-o', 'json')).images;
    const ours = images.find((i: { repoTags: string[] }) => i.repoTags.includes(IMAGE));
    expect(ours.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.parse(env.crictl('inspecti', 'httpd-test')).status.id).toBe(ours.id);
    expect(JSON.parse(env.crictl('inspecti', ours.id)).status.repoTags).toContain(IMAGE);
  });

  test('a pod: two containers share its network; logs, exec, stats, stop and remove', async () => {
    const pod = env.json('pod.json', podConfig('web-pod', logDir));
    const podId = env.crictl('runp', pod).trim();
    const status = inspect('inspectp', podId).status;
    expect(status.state).toBe('SANDBOX_READY');
    const ip = status.network.ip as string;
    expect(ip.startsWith(env.net.subnet.replace(/0\/24$/, ''))).toBe(true);

    const web = env.json('web.json', { metadata: { name: 'web' }, image: { image: 'httpd-test' }, log_path: 'web.log' });
    const client = env.json('client.json', {
      metadata: { name: 'client' }, image: { image: IMAGE }, log_path: 'client.log',
      command: ['sh', '-c', 'echo out-line; echo err-line >&2; printf no-newline; exec sleep 600'],
      envs: [{ key: 'GREETING', value: 'hello pod' }],
    });
    const webId = env.crictl('create', podId, web, pod).trim();
    const clientId = env.crictl('create', podId, client, pod).trim();
    expect(JSON.parse(env.crictl('ps', '-a', '-o', 'json')).containers.map((c: { state: string }) => c.state)).toEqual(['CONTAINER_CREATED', 'CONTAINER_CREATED']);
    env.crictl('start', webId);
    env.crictl('start', clientId);
    expect(lines(env.crictl('ps', '-q')).sort()).toEqual([webId, clientId].sort());

    // over localhost and over the pod's own address: both containers are in the pod's netns
    let page = '';
    for (let i = 0; i < 50 && page !== INDEX_HTML; i++) {
      page = env.crictlResult('exec', '--sync', clientId, 'wget', '-qO-', 'http://127.0.0.1/').stdout.replace(/\n\n$/, '');
      if (page !== INDEX_HTML) await new Promise((r) => setTimeout(r, 100));
    }
    expect(page).toBe(INDEX_HTML);
    expect(execOut(clientId, 'wget', '-qO-', `http://${ip}/`)).toBe(INDEX_HTML);
    expect(execOut(clientId, 'sh', '-c', 'echo $GREETING; hostname')).toBe('hello pod\nweb-pod\n');
    const failing = env.crictlResult('exec', '--sync', clientId, 'sh', '-c', 'echo to-err >&2; exit 3');
    expect(failing.status).not.toBe(0);
    expect(failing.stderr).toMatch(/exited with 3/);
    const slow = env.crictlResult('exec', '--sync', '--timeout', '1', clientId, 'sleep', '30');
    expect(slow.stderr).toMatch(/timed out/);

    // exec through the streaming server (SPDY/3.1): both outputs, the exit code, more than a window
    const streamed = env.crictlResult('exec', clientId, 'sh', '-c', 'echo to-out; echo to-err >&2; exit 4');
    expect([streamed.stdout, streamed.stderr.split('\n')[0], streamed.status]).toEqual(['to-out\n', 'to-err', 1]);
    expect(streamed.stderr).toMatch(/exit code 4/);
    const big = env.crictlResult('exec', clientId, 'busybox', 'seq', '1', '100000');
    expect(big.stdout.length).toBe(588895);
    expect(big.status).toBe(0);

    // CRI log format: `<time> <stream> <F|P> <text>`; crictl logs reassembles it
    const logFile = path.join(logDir, 'client.log');
    const entries = lines(fs.readFileSync(logFile, 'utf8'));
    expect(entries.map((l) => l.replace(/^\S+ /, ''))).toEqual(['stdout F out-line', 'stderr F err-line']);
    expect(entries.every((l) => !Number.isNaN(Date.parse(l.split(' ')[0])))).toBe(true);
    const logs = env.crictlResult('logs', clientId);
    expect(logs.stdout).toBe('out-line\n');
    expect(logs.stderr).toBe('err-line\n');
    expect(env.crictl('inspect', clientId)).toContain(logFile);

    const stats = JSON.parse(env.crictl('stats', '-o', 'json')).stats;
    expect(stats.map((s: { attributes: { id: string } }) => s.attributes.id).sort()).toEqual([webId, clientId].sort());
    for (const s of stats) {
      expect(Number(s.cpu.usageCoreNanoSeconds.value)).toBeGreaterThan(0);
      expect(Number(s.memory.workingSetBytes.value)).toBeGreaterThan(0);
    }
    const podStats = JSON.parse(env.crictl('statsp', '-o', 'json')).stats;
    expect(podStats[0].attributes.id).toBe(podId);
    expect(Number(podStats[0].linux.memory.workingSetBytes.value)).toBeGreaterThan(0);

    // stop with a grace period: sleep ends on SIGTERM? it does not (pid 1), so SIGKILL after 1s
    env.crictl('stop', '--timeout', '1', clientId);
    const stopped = inspect('inspect', clientId).status;
    expect(stopped.state).toBe('CONTAINER_EXITED');
    expect(stopped.exitCode).toBe(137);
    // the unterminated last line is flushed as a whole entry at EOF
    expect(lines(fs.readFileSync(logFile, 'utf8')).pop()).toMatch(/ stdout F no-newline$/);
    env.crictl('rm', clientId);
    expect(lines(env.crictl('ps', '-a', '-q'))).toEqual([webId]);
    expect(fs.existsSync(logFile)).toBe(true); // kubelet's to remove

    env.crictl('stopp', podId);
    expect(inspect('inspectp', podId).status.state).toBe('SANDBOX_NOTREADY');
    expect(inspect('inspect', webId).status.state).toBe('CONTAINER_EXITED');
    env.crictl('rmp', podId);
    expect(env.crictl('pods', '-q').trim()).toBe('');
    expect(env.crictl('ps', '-a', '-q').trim()).toBe('');
    expect(env.net.bridgePorts()).toEqual([]);
    const netnsDir = path.join(env.daemon.dir, 'state', 'netns');
    expect(fs.existsSync(netnsDir) ? fs.readdirSync(netnsDir) : []).toEqual([]);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(env.daemon.dir);
  });

  test('a host-network pod gets no address and sees the host\'s interfaces', () => {
    const pod = env.json('host-pod.json', podConfig('host-pod', logDir, {
      linux: { security_context: { namespace_options: { network: 2 } } }, // NODE
    }));
    const podId = env.crictl('runp', pod).trim();
    expect(inspect('inspectp', podId).status.network.ip).toBe('');
    const c = env.json('host-c.json', { metadata: { name: 'c' }, image: { image: 'httpd-test' }, command: ['sleep', '600'] });
    const id = env.crictl('create', podId, c, pod).trim();
    env.crictl('start', id);
    const hostLinks = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
    const podLinks = lines(execOut(id, 'ip', '-o', 'link', 'show')).length;
    expect(podLinks).toBe(hostLinks);
    env.crictl('rmp', '-f', podId);
    expect(env.crictl('pods', '-q').trim()).toBe('');
  });

  test('kill -9 of runtsd: the restarted daemon lists the pod and container, and cleans them up', async () => {
    const pod = env.json('crash-pod.json', podConfig('crash-pod', logDir));
    const podId = env.crictl('runp', pod).trim();
    const ip = inspect('inspectp', podId).status.network.ip;
    const c = env.json('crash-c.json', { metadata: { name: 'c' }, image: { image: 'httpd-test' }, command: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'], log_path: 'crash.log' });
    const id = env.crictl('create', podId, c, pod).trim();
    env.crictl('start', id);
    await env.daemon.kill('SIGKILL');
    await env.daemon.restart();
    const status = inspect('inspectp', podId).status;
    expect(status.state).toBe('SANDBOX_READY');
    expect(status.network.ip).toBe(ip);
    expect(inspect('inspect', id).status.state).toBe('CONTAINER_RUNNING');
    expect(execOut(id, 'echo', 'still here')).toBe('still here\n');
    // output keeps reaching the log after the restart
    const size = fs.statSync(path.join(logDir, 'crash.log')).size;
    await new Promise((r) => setTimeout(r, 600));
    expect(fs.statSync(path.join(logDir, 'crash.log')).size).toBeGreaterThan(size);
    env.crictl('rmp', '-f', podId);
    expect(env.crictl('pods', '-q').trim()).toBe('');
    expect(env.net.bridgePorts()).toEqual([]);
  });
});
