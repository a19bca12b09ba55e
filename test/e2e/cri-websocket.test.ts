// runtsd's CRI streaming server over WebSocket, as kubectl 1.29+ and kubelet speak it: a ws
// client of the test's own on v5.channel.k8s.io (each message's first byte its channel, the close
// message [255, channel] for stdin's EOF) runs exec with stdin, exec with input the process does
// not read (held back by backpressure), a session closed by stream_idle_timeout, a failing exec,
// a tty with a resize, and attach;
// port-forward on v4.channel.k8s.io; no subprotocol at all; a bad token and an unsupported
// subprotocol are refused. crictl only sets up the pod and containers (skipped with a printed
// reason without it); traffic is loopback only.
import WebSocket from 'ws';
import { CriEnv, IMAGE, criCall, findCrictl, podConfig, startCri } from '../helpers/cri';
import { INDEX_HTML } from '../helpers/httpd-image';
import * as fs from 'fs';
import * as path from 'path';

const crictl = findCrictl();
if (!crictl) process.stdout.write('cri-websocket: skipped, no crictl in PATH or ../shared/tools\n');
const describeIf = crictl ? describe : describe.skip;
const V5 = 'v5.channel.k8s.io';
/** The daemon's stream_idle_timeout: longer than any pause in the other tests. */
const IDLE_TIMEOUT_S = 5;

jest.setTimeout(120000);

let env: CriEnv;
let podId: string;
let pod: string;
const sockets = new Set<WebSocket>();

beforeAll(async () => {
  if (!crictl) return;
  env = await startCri('ws', crictl, [`stream_idle_timeout = "${IDLE_TIMEOUT_S}s"`]);
  pod = env.json('pod.json', podConfig('ws-pod', path.join(env.net.dir, 'pod-logs')));
  podId = env.crictl('runp', pod).trim();
});

afterEach(() => {
  for (const ws of sockets) ws.terminate();
  sockets.clear();
});

afterAll(async () => {
  await env?.cleanup();
});

function startContainer(name: string, extra: Record<string, unknown>): string {
  const config = env.json(`${name}.json`, { metadata: { name }, image: { image: IMAGE }, log_path: `${name}.log`, ...extra });
  const id = env.crictl('create', podId, config, pod).trim();
  env.crictl('start', id);
  return id;
}

interface Session {
  ws: WebSocket;
  /** Each channel's messages, in order (channel 1's first is kubelet's empty "connected"). */
  messages: Map<number, Buffer[]>;
  text(channel: number): string;
  send(channel: number, data: string | Buffer): void;
  /** Resolves with the close code once the server ends the session. */
  ended: Promise<number>;
}

/** A WebSocket on a streaming URL, messages sorted by channel. */
function connect(url: string, protocols: string[] = [V5]): Promise<Session> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols);
  sockets.add(ws);
  const messages = new Map<number, Buffer[]>();
  ws.on('message', (data: Buffer) => {
    const list = messages.get(data[0]) ?? [];
    list.push(data.subarray(1));
    messages.set(data[0], list);
  });
  const ended = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({
      ws, messages, ended,
      text: (channel) => Buffer.concat(messages.get(channel) ?? []).toString(),
      send: (channel, data) => ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)])),
    }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { statusCode: res.statusCode, body })));
    });
  });
}

async function within<T>(promise: Promise<T>, ms = 30000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

const exec = async (id: string, cmd: string[], opts: { stdin?: boolean; tty?: boolean; stderr?: boolean } = {}): Promise<string> => (await criCall(env.cri.runtime, 'Exec', {
  container_id: id, cmd, stdin: opts.stdin ?? false, tty: opts.tty ?? false, stdout: true, stderr: opts.stderr ?? !opts.tty,
})).url;

describeIf('CRI streaming over WebSocket', () => {
  let sleeper: string;
  beforeAll(() => {
    sleeper = startContainer('sleeper', { command: ['sleep', '600'] });
  });

  test('exec cat: stdin comes back on stdout, the close message on channel 0 is its EOF, exit 0', async () => {
    const s = await connect(await exec(sleeper, ['cat'], { stdin: true }));
    expect(s.ws.protocol).toBe(V5);
    s.send(0, 'hello over ws\n');
    s.send(0, Buffer.alloc(200_000, 'x'));
    s.ws.send(Buffer.from([255, 0]));
    expect(await within(s.ended)).toBe(1000);
    expect(s.messages.get(1)?.[0]).toEqual(Buffer.alloc(0));
    expect(s.text(1)).toBe(`hello over ws\n${'x'.repeat(200_000)}`);
    expect(s.text(2)).toBe('');
    // success: nothing on the error channel (client-go reads that, or a Success Status, as exit 0)
    expect(s.text(3)).toBe('');
  });

  test('input a process does not read stays with the client: runtsd stops reading the WebSocket (backpressure)', async () => {
    const s = await connect(await exec(sleeper, ['sleep', '30'], { stdin: true }));
    const sent = 64 << 20;
    for (let i = 0; i < sent; i += 4 << 20) s.send(0, Buffer.alloc(4 << 20, 'y'));
    await new Promise((r) => setTimeout(r, 2000));
    // what the kernel's socket and fifo buffers took is a few MiB; the rest waits in the client
    expect(s.ws.bufferedAmount).toBeGreaterThan(sent / 2);
    s.ws.terminate();
  });

  test('a session with no traffic for stream_idle_timeout is closed, its process with it', async () => {
    const started = Date.now();
    const s = await connect(await exec(sleeper, ['sleep', '303']));
    const inContainer = () => env.crictl('exec', '--sync', sleeper, 'busybox', 'ps', '-o', 'args').includes('sleep 303');
    for (let i = 0; i < 100 && !inContainer(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(inContainer()).toBe(true);
    expect(await within(s.ended, 20_000)).toBe(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_TIMEOUT_S * 1000 - 100);
    for (let i = 0; i < 100 && inContainer(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(inContainer()).toBe(false);
  });

  test('exec sh -c "exit 3": the error channel has a NonZeroExitCode Status with exit code 3', async () => {
    const s = await connect(await exec(sleeper, ['sh', '-c', 'echo out; echo err >&2; exit 3']));
    await within(s.ended);
    expect(s.text(1)).toBe('out\n');
    expect(s.text(2)).toBe('err\n');
    expect(JSON.parse(s.text(3))).toMatchObject({
      status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  test('exec with a tty: the resize channel sets its size', async () => {
    const s = await connect(await exec(sleeper, ['sh', '-c', 'read go; stty size; exit 7'], { stdin: true, tty: true }));
    s.send(4, JSON.stringify({ Width: 99, Height: 33 }));
    // the resize reaches the pty once the process started: wait for the shell's read, then type
    await new Promise((r) => setTimeout(r, 1000));
    s.send(4, JSON.stringify({ Width: 101, Height: 27 }));
    await new Promise((r) => setTimeout(r, 500));
    s.send(0, 'go\r');
    await within(s.ended);
    expect(s.text(1)).toMatch(/27 101\r\n/);
    expect(JSON.parse(s.text(3))).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ message: '7' }] } });
  });

  test('a client that goes away has its process killed', async () => {
    const s = await connect(await exec(sleeper, ['sleep', '302'], { stdin: true }));
    const inContainer = () => env.crictl('exec', '--sync', sleeper, 'busybox', 'ps', '-o', 'args').includes('sleep 302');
    for (let i = 0; i < 100 && !inContainer(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(inContainer()).toBe(true);
    s.ws.terminate();
    for (let i = 0; i < 100 && inContainer(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(inContainer()).toBe(false);
  });

  test('v4.base64.channel.k8s.io: text messages, the channel as a digit, the data base64', async () => {
    const ws = new WebSocket((await exec(sleeper, ['sh', '-c', 'echo b64; exit 4'])).replace(/^http/, 'ws'), ['v4.base64.channel.k8s.io']);
    sockets.add(ws);
    const got: string[] = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => got.push(`${isBinary ? 'binary' : 'text'}:${data.toString()}`));
    await within(new Promise((resolve) => ws.once('close', resolve)));
    expect(got[0]).toBe('text:1');
    const decoded = (n: string) => got.filter((m) => m.startsWith(`text:${n}`)).map((m) => Buffer.from(m.slice(6), 'base64').toString()).join('');
    expect(decoded('1')).toBe('b64\n');
    expect(JSON.parse(decoded('3'))).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ message: '4' }] } });
  });

  test('attach: input reaches the container, its output comes back, the close message ends stdin_once', async () => {
    const id = startContainer('once', { command: ['cat'], stdin: true, stdin_once: true });
    const url = (await criCall(env.cri.runtime, 'Attach', { container_id: id, stdin: true, stdout: true, stderr: true, tty: false })).url;
    const s = await connect(url);
    s.send(0, 'to the container\n');
    for (let i = 0; i < 100 && !s.text(1).includes('\n'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(s.text(1)).toBe('to the container\n');
    s.ws.send(Buffer.from([255, 0]));
    expect(await within(s.ended)).toBe(1000);
    expect(s.text(3)).toBe('');
  });

  test('an unknown token is 404; an unsupported subprotocol is refused with 400 naming the supported ones', async () => {
    const url = await exec(sleeper, ['true']);
    await expect(connect(url.replace(/[0-9a-f]+$/, '0123456789abcdef0123456789abcdef'))).rejects.toMatchObject({ statusCode: 404 });
    await expect(connect(url, ['v9.channel.k8s.io'])).rejects.toMatchObject({ statusCode: 400, body: expect.stringMatching(/no supported WebSocket subprotocol.*v5\.channel\.k8s\.io/) });
    // the refused request did not use up the token: a supported subprotocol still gets in
    const s = await connect(url);
    await within(s.ended);
    expect(s.text(3)).toBe('');
  });

  test('a client that offers no subprotocol gets binary channels as on channel.k8s.io (kubelet\'s rule): plain-text error, no status', async () => {
    const s = await connect(await exec(sleeper, ['sh', '-c', 'echo plain; exit 5']), []);
    expect(s.ws.protocol).toBe('');
    expect(await within(s.ended)).toBe(1000);
    expect(s.text(1)).toBe('plain\n');
    expect(s.text(3)).toBe('command terminated with non-zero exit code: error executing command ["sh","-c","echo plain; exit 5"], exit code 5');
  });

  test('port-forward (v4.channel.k8s.io): each channel starts with its port, data reaches the pod\'s server, a refused port is told on its error channel', async () => {
    startContainer('web', { image: { image: 'httpd-test' } });
    const forward = async () => {
      const url = (await criCall(env.cri.runtime, 'PortForward', { pod_sandbox_id: podId, port: [80, 81] })).url;
      const s = await connect(url, ['v4.channel.k8s.io']);
      expect(s.ws.protocol).toBe('v4.channel.k8s.io');
      s.send(0, 'GET / HTTP/1.0\r\n\r\n');
      expect(await within(s.ended)).toBe(1000);
      return s;
    };
    let s = await forward();
    // httpd may still be starting
    for (let i = 0; i < 50 && !s.text(0).endsWith(INDEX_HTML); i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await forward();
    }
    const port = (n: number) => Buffer.from([n & 0xff, n >> 8]);
    for (const [channel, p] of [[0, 80], [1, 80], [2, 81], [3, 81]]) expect(s.messages.get(channel)?.[0]).toEqual(port(p));
    expect(s.text(0)).toMatch(/^\x50\x00HTTP\/1\.[01] 200/);
    expect(s.text(0).endsWith(INDEX_HTML)).toBe(true);
    expect(s.text(1)).toBe('\x50\x00');
    expect(s.text(2)).toBe('\x51\x00');
    expect(s.text(3)).toMatch(/^\x51\x00error forwarding port 81 to pod .*(ECONNREFUSED|Connection refused)/);
    // every forwarded connection's socket is gone again
    const fds = () => fs.readdirSync(`/proc/${env.daemon.process.pid}/fd`).length;
    const before = fds();
    expect((await forward()).text(0).endsWith(INDEX_HTML)).toBe(true);
    for (let i = 0; i < 50 && fds() > before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(fds()).toBeLessThanOrEqual(before);
  });

  test('port-forward without a subprotocol speaks v4\'s binary channels (kubelet\'s rule)', async () => {
    // the pod's httpd from the test above
    const url = (await criCall(env.cri.runtime, 'PortForward', { pod_sandbox_id: podId, port: [80] })).url;
    const s = await connect(url, []);
    expect(s.ws.protocol).toBe('');
    s.send(0, 'GET / HTTP/1.0\r\n\r\n');
    expect(await within(s.ended)).toBe(1000);
    expect(s.text(0)).toMatch(/^\x50\x00HTTP\/1\.[01] 200/);
    expect(s.text(1)).toBe('\x50\x00');
  });

  test('port-forward refuses the exec subprotocols it does not speak', async () => {
    const url = (await criCall(env.cri.runtime, 'PortForward', { pod_sandbox_id: podId, port: [80] })).url;
    await expect(connect(url, [V5])).rejects.toMatchObject({ statusCode: 400, body: expect.stringMatching(/want one of v4\.channel\.k8s\.io/) });
  });
});
