// runtsd's CRI streaming server driven by the real crictl: exec with stdin (EOF reaches the
// process) and with a tty (through a pty of the test's own, its size and resizes applied),
// attach to a container's stdio, and port-forward into a pod's network namespace (a host-network
// pod's: the host's loopback). Skipped with a printed reason when crictl is not there.
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import { CriEnv, IMAGE, findCrictl, podConfig, startCri } from '../helpers/cri';
import { INDEX_HTML } from '../helpers/httpd-image';

const crictl = findCrictl();
if (!crictl) process.stdout.write('cri-streaming: skipped, no crictl in PATH or ../shared/tools\n');
const describeIf = crictl ? describe : describe.skip;
const PTY_RUN = path.join(__dirname, '..', 'helpers', 'pty_run.py');

jest.setTimeout(120000);

let env: CriEnv;
let logDir: string;
let podId: string;
let pod: string;

beforeAll(async () => {
  if (!crictl) return;
  env = await startCri('stream', crictl);
  logDir = path.join(env.net.dir, 'pod-logs');
  pod = env.json('pod.json', podConfig('stream-pod', logDir));
  podId = env.crictl('runp', pod).trim();
});

afterAll(async () => {
  await env?.cleanup();
});

/** crictl with input on its stdin (a pipe that spawnSync writes and closes: EOF). */
function crictlWithInput(input: string | Buffer, ...args: string[]) {
  const endpoint = `unix://${env.daemon.socket}`;
  const r = spawnSync(crictl!, ['--runtime-endpoint', endpoint, '--image-endpoint', endpoint, ...args], { input, timeout: 60000 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** crictl on a pty of rows x cols, typing each input once its prompt text appeared. */
function crictlOnPty(rows: number, cols: number, steps: [string, string][], ...args: string[]) {
  const endpoint = `unix://${env.daemon.socket}`;
  const r = spawnSync('python3', [PTY_RUN, String(rows), String(cols), ...steps.flat(), '--',
    crictl!, '--runtime-endpoint', endpoint, '--image-endpoint', endpoint, ...args], { encoding: 'utf8', timeout: 90000 });
  return { status: r.status, output: r.stdout };
}

function startContainer(name: string, extra: Record<string, unknown>): string {
  const config = env.json(`${name}.json`, { metadata: { name }, image: { image: IMAGE }, log_path: `${name}.log`, ...extra });
  const id = env.crictl('create', podId, config, pod).trim();
  env.crictl('start', id);
  return id;
}

/** The exec fifo dirs runtsd made under its state dir for a container (none once execs ended). */
const execDirs = (id: string) => {
  const dir = path.join(env.daemon.dir, 'state', 'io.containerd.grpc.v1.cri', id);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.startsWith('exec-')) : [];
};

describeIf('CRI streaming through crictl', () => {
  let sleeper: string;
  beforeAll(() => {
    if (!crictl) return;
    sleeper = startContainer('sleeper', { command: ['sleep', '600'] });
  });

  test('exec -i: stdin reaches the process and its EOF ends it', () => {
    const cat = crictlWithInput('hi\n', 'exec', '-i', sleeper, 'cat');
    expect(cat).toEqual({ status: 0, stdout: 'hi\n', stderr: '' });
    // input larger than a fifo's and a SPDY window's worth; the process outlives its stdin
    const big = Buffer.alloc(300_000, 'x');
    const counted = crictlWithInput(big, 'exec', '-i', sleeper, 'sh', '-c', 'wc -c; echo after-eof');
    expect(counted).toEqual({ status: 0, stdout: '300000\nafter-eof\n', stderr: '' });
    const failing = crictlWithInput('', 'exec', '-i', sleeper, 'sh', '-c', 'read line; exit 5');
    expect(failing.status).toBe(1);
    expect(failing.stderr).toMatch(/exit code 5/);
    expect(execDirs(sleeper)).toEqual([]);
  });

  test('exec -i: input typed line by line comes back line by line (cat sendfile()s into its stdout)', async () => {
    // busybox cat waits for input inside sendfile() holding its output pipe's lock: when that
    // pipe was runtsd's fifo, runtsd's read of it slept uninterruptibly and the exec hung
    const endpoint = `unix://${env.daemon.socket}`;
    const client = spawn(crictl!, ['--runtime-endpoint', endpoint, 'exec', '-i', sleeper, 'cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    client.stdout.on('data', (d) => { out += d; });
    const exited = new Promise<number | null>((resolve) => client.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 20; i++) {
        client.stdin.write(`line ${i}\n`);
        await new Promise((r) => setTimeout(r, 50));
      }
      client.stdin.end();
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r('timeout'), 20000); })]);
      clearTimeout(timer);
      expect(code).toBe(0);
      expect(out).toBe(Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join(''));
    } finally {
      if (client.exitCode === null && client.signalCode === null) client.kill('SIGKILL');
    }
  });

  test('exec -i: a client that goes away has its process killed, and nothing of the exec is left', async () => {
    const endpoint = `unix://${env.daemon.socket}`;
    const client = spawn(crictl!, ['--runtime-endpoint', endpoint, 'exec', '-i', sleeper, 'sleep', '301'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const inContainer = () => env.crictl('exec', '--sync', sleeper, 'busybox', 'ps', '-o', 'args').includes('sleep 301');
    try {
      for (let i = 0; i < 100 && !inContainer(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(inContainer()).toBe(true);
    } finally {
      client.kill('SIGKILL');
    }
    for (let i = 0; i < 100 && (inContainer() || execDirs(sleeper).length); i++) await new Promise((r) => setTimeout(r, 100));
    expect(inContainer()).toBe(false);
    expect(execDirs(sleeper)).toEqual([]);
  });

  test('exec -it: a shell on a tty of the client\'s size, resized with it', () => {
    const r = crictlOnPty(33, 111, [['# ', 'stty size; tty\r'], ['/dev/pts/', 'RESIZE:40:120'], ['/dev/pts/', 'sleep 1; stty size; exit 7\r']],
      'exec', '-it', sleeper, 'sh');
    expect(r.output).toMatch(/33 111\r\n\/dev\/pts\/\d+\r\n[\s\S]*40 120\r\n/);
    expect(r.status).toBe(1);
    expect(execDirs(sleeper)).toEqual([]);
  });

  test('attach -i with stdin_once: input reaches the container, its EOF ends it, the log keeps the output', () => {
    const id = startContainer('once', { command: ['cat'], stdin: true, stdin_once: true });
    const r = crictlWithInput('to the container\n', 'attach', '-i', id);
    expect(r).toEqual({ status: 0, stdout: 'to the container\n', stderr: '' });
    const status = JSON.parse(env.crictl('inspect', id)).status;
    expect([status.state, status.exitCode]).toEqual(['CONTAINER_EXITED', 0]);
    expect(fs.readFileSync(path.join(logDir, 'once.log'), 'utf8')).toMatch(/ stdout F to the container\n$/);
    env.crictl('rm', id);
  });

  test('attach -it: the container\'s own shell on its tty, resized to the client\'s window', () => {
    const id = startContainer('shell', { command: ['sh'], stdin: true, tty: true });
    const r = crictlOnPty(21, 77, [['', '\r'], ['# ', 'stty size; echo attached-$((6*7))\r'], ['attached-42', 'exit\r']], 'attach', '-i', '-t', id);
    expect(r.output).toMatch(/21 77\r\n/);
    expect(r.output).toMatch(/attached-42\r\n/);
    expect(r.status).toBe(0);
    expect(JSON.parse(env.crictl('inspect', id)).status.state).toBe('CONTAINER_EXITED');
    env.crictl('rm', id);
  });

  test('attach: stdin to a container created without it, or a tty it lacks, is refused clearly', () => {
    const noStdin = crictlWithInput('', 'attach', '-i', sleeper);
    expect(noStdin.status).toBe(1);
    expect(noStdin.stderr).toMatch(/InvalidArgument.*was not created with stdin/);
    const noTty = crictlOnPty(24, 80, [], 'attach', '-t', sleeper);
    expect(noTty.status).toBe(1);
    expect(noTty.output).toMatch(/InvalidArgument.*has no tty/);
  });

  test('kill -9 of runtsd: the restarted daemon holds the container\'s stdin again, attach reaches it', async () => {
    const id = startContainer('survivor', { command: ['cat'], stdin: true, stdin_once: true });
    await env.daemon.kill('SIGKILL');
    await env.daemon.restart();
    const r = crictlWithInput('after the restart\n', 'attach', '-i', id);
    expect(r).toEqual({ status: 0, stdout: 'after the restart\n', stderr: '' });
    expect(JSON.parse(env.crictl('inspect', id)).status.state).toBe('CONTAINER_EXITED');
    env.crictl('rm', id);
  });

  test('port-forward: a server in the pod\'s network namespace, reached through 127.0.0.1 only', async () => {
    startContainer('web', { image: { image: 'httpd-test' } });
    const local = await freePort();
    const endpoint = `unix://${env.daemon.socket}`;
    const forwarder = spawn(crictl!, ['--runtime-endpoint', endpoint, 'port-forward', podId, `${local}:80`, `${local + 1}:81`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    forwarder.stdout.on('data', (d) => { said += d; });
    forwarder.stderr.on('data', (d) => { said += d; });
    const fds = () => fs.readdirSync(`/proc/${env.daemon.process.pid}/fd`).length;
    try {
      for (let i = 0; i < 100 && !said.includes(`127.0.0.1:${local + 1}`); i++) await new Promise((r) => setTimeout(r, 100));
      const before = fds();
      let page = '';
      for (let i = 0; i < 50 && page !== INDEX_HTML; i++) {
        page = await get(local).catch(() => '');
        if (page !== INDEX_HTML) await new Promise((r) => setTimeout(r, 100));
      }
      expect(page).toBe(INDEX_HTML);
      // several connections, one after another and at once
      expect(await Promise.all([get(local), get(local), get(local)])).toEqual([INDEX_HTML, INDEX_HTML, INDEX_HTML]);
      // nobody listens on 81 in the pod: the local connection ends, crictl is told why
      await expect(get(local + 1)).rejects.toThrow();
      for (let i = 0; i < 50 && !said.includes('error forwarding port 81'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(said).toMatch(/error forwarding port 81 to pod .*ECONNREFUSED|error forwarding port 81 to pod .*Connection refused/);
      // every forwarded connection's socket is gone again
      for (let i = 0; i < 50 && fds() > before; i++) await new Promise((r) => setTimeout(r, 100));
      expect(fds()).toBeLessThanOrEqual(before);
    } finally {
      forwarder.kill('SIGKILL');
    }
  });

  test('port-forward to a host-network pod reaches the host\'s own loopback', async () => {
    const hostPod = env.json('host-pod.json', podConfig('host-pod', logDir, { linux: { security_context: { namespace_options: { network: 2 } } } }));
    const hostPodId = env.crictl('runp', hostPod).trim();
    // the test's own server on the host's loopback stands in for a host-network pod's
    const server = http.createServer((_req, res) => res.end('from the host\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const remote = (server.address() as net.AddressInfo).port;
    const local = await freePort();
    const endpoint = `unix://${env.daemon.socket}`;
    const forwarder = spawn(crictl!, ['--runtime-endpoint', endpoint, 'port-forward', hostPodId, `${local}:${remote}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let said = '';
    forwarder.stdout.on('data', (d) => { said += d; });
    try {
      for (let i = 0; i < 100 && !said.includes(`127.0.0.1:${local}`); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await get(local)).toBe('from the host\n');
    } finally {
      forwarder.kill('SIGKILL');
      server.close();
      env.crictl('rmp', '-f', hostPodId);
    }
  });

  test('port-forward to an unknown pod is NotFound', () => {
    const r = env.crictlResult('port-forward', 'f'.repeat(64), '1:80');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/NotFound/);
  });
});

/** A loopback port nobody listens on just now (and the one after it). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    if (port < 65535) return port;
  }
}

/** GET / on 127.0.0.1:port, the body. */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 10000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}
