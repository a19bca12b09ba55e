// bin/runts' light commands go through build/Release/runts-light: once a context (environment,
// ids, cgroups, ...) has called twice, a standby Node waits for its next call, runs it as a fresh
// process would, and reports its exit status. Each test calls from a context of its own (an
// environment variable), and every standby it made is ended.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { connectUnix, sendWithFd } from '../../../src/native';
import { cleanupBundles, makeBundle, REPO, RUNTS } from '../../helpers/bundle';
import { uniqueId } from '../../helpers/runts';
import { alive, LIGHT_BLOB, readProc, standbysOf as standbysFrom, waitFor } from '../../helpers/standbys';

const STANDBY_DIR = '/run/runts-standby';
const work = fs.mkdtempSync(path.join(os.tmpdir(), `runts-standby-${process.pid}-`));
const root = fs.mkdtempSync(path.join(work, 'root-'));
let contexts = 0;

/** An environment no other test calls from: its own standbys. */
const newContext = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env, RUNTS_STANDBY_SECONDS: '30', RUNTS_TEST_STANDBY_CONTEXT: `${process.pid}-${++contexts}`, ...env,
});

interface Result { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** runts with stdio on files (a created container keeps what it was given). */
function runts(env: NodeJS.ProcessEnv, args: string[]): Result {
  const out = path.join(work, 'out');
  const err = path.join(work, 'err');
  const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
  try {
    const r = spawnSync(RUNTS, ['--root', root, ...args], { env, stdio: ['ignore', fds[0], fds[1]], timeout: 20000 });
    return { status: r.status, signal: r.signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    fds.forEach((fd) => fs.closeSync(fd));
  }
}

const standbysOf = (env: NodeJS.ProcessEnv) => standbysFrom(env, LIGHT_BLOB);

/** The contexts' markers (STANDBY_DIR/DIGEST.seen) the tests remove. */
const contextPrefixes = new Set<string>();

/** The standby ready for env's next call, started by two calls in that context if need be. */
async function readyStandby(env: NodeJS.ProcessEnv): Promise<{ pid: number; socket: string }> {
  // the one that took the second call shares the socket's name until it has exited
  const waiting = () => {
    const living = standbysOf(env).filter((s) => alive(s.pid));
    return living.length === 1 && fs.existsSync(living[0].socket) ? living[0] : undefined;
  };
  if (standbysOf(env).length === 0) for (let i = 0; i < 2; i++) runts(env, ['list']);
  let standby = await waitFor('a standby', waiting, 5000).catch(() => undefined);
  // under load a short lifetime can pass between the two calls, or before the standby was seen
  for (let tries = 0; !standby && tries < 3; tries++) {
    runts(env, ['list']);
    standby = await waitFor('a standby', waiting, 5000).catch(() => undefined);
  }
  if (!standby) throw new Error('no standby waited for the context\'s calls');
  contextPrefixes.add(standby.socket.replace(/\.sock$/, ''));
  return standby;
}

const endStandbys = () => spawnSync(path.join(REPO, 'scripts', 'end-standbys.sh'));

/** What a check compares: ids, bundles, pids and times differ between the runs. */
const normalised = (rs: Result[], ids: string[], log: string) => {
  const text = (s: string) => ids.reduce((t, id, i) => t.split(id).join(`ID${i}`), s).replace(/time="[^"]*"/g, 'time=T')
    .replace(/runts-bundle-\w+/g, 'BUNDLE').replace(/"pid": \d+/g, '"pid": PID').replace(/"created": "[^"]*"/g, '"created": T');
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => text(JSON.stringify({ ...JSON.parse(l), time: 'T' }))) : [];
  return { steps: rs.map((r) => ({ status: r.status, signal: r.signal, stdout: text(r.stdout), stderr: text(r.stderr) })), log: lines };
};

const sleeper = () => makeBundle((c) => (c.process.args = ['sleep', '600']));

// The same steps twice: in a fresh process each (RUNTS_STANDBY=0), then with a standby ready for
// the step under test, which must have taken it.
const scenarios: [string, (env: NodeJS.ProcessEnv, ids: string[], log: string) => Promise<Result[]>][] = [
  ['state of a running container', async (env, [id]) => {
    runts(env, ['run', '--detach', '--bundle', sleeper().dir, id]);
    return [await step(env, ['state', id])];
  }],
  ['kill of an unknown id, logged as JSON', async (env, [id], log) => [await step(env, ['--log', log, '--log-format', 'json', 'kill', id, 'KILL'])]],
  ['start twice', async (env, [id], log) => {
    runts(env, ['create', '--bundle', sleeper().dir, id]);
    return [await step(env, ['--log', log, '--log-format', 'json', 'start', id]), await step(env, ['--log', log, '--log-format', 'json', 'start', id])];
  }],
  ['delete --force of a running container', async (env, [id]) => {
    runts(env, ['run', '--detach', '--bundle', sleeper().dir, id]);
    return [await step(env, ['delete', '--force', id])];
  }],
];

/** One light command: when standbys are on, a standby must be waiting before it and take it. */
async function step(env: NodeJS.ProcessEnv, args: string[]): Promise<Result> {
  if (env.RUNTS_STANDBY === '0') return runts(env, args);
  const standby = await readyStandby(env);
  const r = runts(env, args);
  await waitFor('the standby to end after its call', () => (alive(standby.pid) ? undefined : true), 5000);
  return r;
}

afterEach(() => {
  for (const id of fs.readdirSync(root)) spawnSync(RUNTS, ['--root', root, 'delete', '--force', id], { env: { ...process.env, RUNTS_STANDBY: '0' } });
  endStandbys();
});

afterAll(() => {
  for (const prefix of contextPrefixes) fs.rmSync(`${prefix}.seen`, { force: true });
  cleanupBundles();
  fs.rmSync(work, { recursive: true, force: true });
});

test.each(scenarios)('a standby runs %s as a fresh process does: stdout, stderr, status, JSON log', async (_name, run) => {
  const results = [];
  for (const env of [newContext({ RUNTS_STANDBY: '0' }), newContext()]) {
    const ids = [uniqueId('standby')];
    const log = path.join(work, `log-${env.RUNTS_TEST_STANDBY_CONTEXT}.json`);
    results.push(normalised(await run(env, ids, log), ids, log));
  }
  expect(results[1]).toEqual(results[0]);
});

test('the standby was ready before the call: the debug line is its pid', async () => {
  const env = newContext();
  const standby = await readyStandby(env);
  const r = runts(env, ['--debug', 'list']);
  expect(r.stderr).toContain(`(pid ${standby.pid},`);
  expect(r.stderr).toContain("started from the light commands' startup snapshot, ahead of the call (a standby)");
  expect(r.status).toBe(0);
});

test('without a standby, with RUNTS_STANDBY=0, or with a stale socket, runts starts Node itself', async () => {
  const env = newContext();
  const fresh = runts(env, ['--debug', 'list']);
  expect(fresh.stderr).toContain("started from the light commands' startup snapshot)");
  const standby = await readyStandby(env);
  const off = runts({ ...env, RUNTS_STANDBY: '0' }, ['--debug', 'list']);
  expect(off.stderr).not.toContain(`(pid ${standby.pid},`);
  expect(alive(standby.pid) && fs.existsSync(standby.socket)).toBe(true);
  // a standby killed outright leaves its socket: refused, the call runs anyway, and the next
  // standby takes the name over
  process.kill(standby.pid, 'SIGKILL');
  await waitFor('the standby gone', () => (alive(standby.pid) ? undefined : true));
  expect(fs.existsSync(standby.socket)).toBe(true);
  const stale = runts(env, ['state', 'missing']);
  expect(stale).toMatchObject({ status: 1, stderr: expect.stringContaining('container missing does not exist') });
  expect(standbysOf(env).every((s) => s.pid !== standby.pid)).toBe(true);
});

/** A start whose poststart hook runs for a while: the standby is busy with it until it ends. */
async function startInStandby(env: NodeJS.ProcessEnv): Promise<{ client: ReturnType<typeof spawn>; standby: number; hook: number }> {
  const id = uniqueId('standby-hook');
  const bundle = makeBundle((c) => {
    c.process.args = ['sleep', '600'];
    c.hooks = { poststart: [{ path: '/bin/sleep', args: ['sleep', '300'] }] };
  });
  expect(runts(env, ['create', '--bundle', bundle.dir, id]).status).toBe(0);
  const { pid: standby } = await readyStandby(env);
  const client = spawn(RUNTS, ['--root', root, 'start', id], { env, stdio: 'ignore' });
  const hook = await waitFor('the hook', () => {
    const children = readProc(standby, 'task/' + standby + '/children').trim().split(' ').filter(Boolean).map(Number);
    return children.find((pid) => readProc(pid, 'cmdline').startsWith('sleep\x00300'));
  });
  return { client, standby, hook };
}

test.each([['SIGTERM', 'SIGTERM'], ['SIGKILL', 'SIGKILL']] as const)('the client killed by %s ends the standby running its command', async (signal, expected) => {
  const env = newContext();
  const { client, standby, hook } = await startInStandby(env);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => client.once('exit', (_code, sig) => resolve(sig)));
  client.kill(signal);
  expect(await exited).toBe(expected);
  await waitFor('the standby to end', () => (alive(standby) ? undefined : true), 5000);
  process.kill(hook, 'SIGKILL');
});

test('a standby no call came to exits after its lifetime and removes its socket', async () => {
  const env = newContext({ RUNTS_STANDBY_SECONDS: '2' });
  const standby = await readyStandby(env);
  // under load a Node start alone can take seconds; the lifetime runs from the standby's own start
  await waitFor('the lifetime to pass', () => (alive(standby.pid) ? undefined : true), 15000);
  expect(fs.existsSync(standby.socket)).toBe(false);
  expect(fs.readdirSync(STANDBY_DIR)).not.toContain(path.basename(standby.socket));
});

test('a call less than a lifetime after the last starts a standby though a second turned between them', async () => {
  const env = newContext({ RUNTS_STANDBY_SECONDS: '1' });
  const before = new Set(fs.existsSync(STANDBY_DIR) ? fs.readdirSync(STANDBY_DIR) : []);
  runts(env, ['list']);
  const markers = fs.readdirSync(STANDBY_DIR).filter((n) => n.endsWith('.seen') && !before.has(n));
  expect(markers).toHaveLength(1);
  const marker = path.join(STANDBY_DIR, markers[0]);
  contextPrefixes.add(marker.replace(/\.seen$/, ''));
  // the last call 0.1-0.3 s ago (and the time this call takes to look), in the second before this one
  await waitFor('a second just begun', () => (Date.now() % 1000 >= 50 && Date.now() % 1000 <= 250 ? true : undefined));
  const last = new Date(Math.floor(Date.now() / 1000) * 1000 - 50);
  fs.utimesSync(marker, last, last);
  runts(env, ['list']);
  await waitFor('a standby', () => (standbysOf(env).length > 0 ? true : undefined), 5000);
});

test('a standby refuses a call without its stdio and exits without running anything', async () => {
  const env = newContext();
  const standby = await readyStandby(env);
  const answer = await new Promise<string>((resolve) => {
    let got = '';
    const client = net.connect(standby.socket, () => client.write(Buffer.from('\x06\x00\x00\x00/\x00list\x00', 'latin1')));
    client.on('data', (d) => (got += d));
    client.on('error', () => undefined);
    client.on('close', () => resolve(got));
  });
  expect(answer).toBe('');
  await waitFor('the standby to exit', () => (alive(standby.pid) ? undefined : true), 5000);
  expect(fs.existsSync(standby.socket)).toBe(false);
});

/** A call as runts-light sends it (addon/standby/handoff.h): its length, cwd and args, fds 0-2 by
 *  SCM_RIGHTS (one per message here: sendWithFd carries one). The connected socket. */
function sendCall(socket: string, args: string[], stdio: number[]): number {
  const payload = Buffer.from(['/', ...args].map((s) => `${s}\0`).join(''));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(payload.length);
  const sock = connectUnix(socket);
  sendWithFd(sock, length, stdio[0]);
  sendWithFd(sock, payload.subarray(0, 1), stdio[1]);
  sendWithFd(sock, payload.subarray(1), stdio[2]);
  return sock;
}

/** Gives up on the call: closes its socket, or shuts it for writing. Then what the standby
 *  answers before it closes (nothing to read on a closed socket). */
async function giveUp(sock: number, how: 'closes' | 'shuts down'): Promise<{ answer: Promise<string> }> {
  if (how === 'closes') {
    fs.closeSync(sock);
    return { answer: Promise.resolve('') };
  }
  const client = new net.Socket({ fd: sock, readable: true, writable: true });
  let got = '';
  client.on('data', (d) => (got += d.toString('latin1')));
  const answer = new Promise<string>((resolve) => client.on('close', () => resolve(got)));
  await new Promise((resolve) => client.end(resolve));
  return { answer };
}

// The client gives up before the answer (addon/module/standby.cc): the answer to one that closed
// fails; one that shut its end gets it, and is seen gone right after.
test.each(['closes', 'shuts down'] as const)('a standby whose client %s its end before the answer does not run the call', async (how) => {
  const env = newContext();
  const id = uniqueId('standby-gone');
  expect(runts(env, ['run', '--detach', '--bundle', sleeper().dir, id]).status).toBe(0);
  const standby = await readyStandby(env);
  const out = path.join(work, 'gone-out');
  const stdio = [fs.openSync('/dev/null', 'r'), fs.openSync(out, 'w'), fs.openSync(out, 'w')];
  // stopped, it accepts nothing: the call and the client's end wait in its socket when it goes on
  process.kill(standby.pid, 'SIGSTOP');
  let gaveUp: { answer: Promise<string> };
  try {
    gaveUp = await giveUp(sendCall(standby.socket, ['--root', root, 'delete', '--force', id], stdio), how);
  } finally {
    stdio.forEach((fd) => fs.closeSync(fd));
    process.kill(standby.pid, 'SIGCONT');
  }
  expect(await gaveUp.answer).toBe(how === 'closes' ? '' : 'A');
  await waitFor('the standby to exit', () => (alive(standby.pid) ? undefined : true), 5000);
  expect(fs.existsSync(standby.socket)).toBe(false);
  expect(fs.readFileSync(out, 'utf8')).toBe('');
  const state = runts({ ...env, RUNTS_STANDBY: '0' }, ['state', id]);
  expect({ status: state.status, running: JSON.parse(state.stdout || '{}').status }).toEqual({ status: 0, running: 'running' });
});
