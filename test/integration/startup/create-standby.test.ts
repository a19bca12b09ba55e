// bin/runts' create goes through build/Release/runts-light too: once a context (environment, ids,
// cgroups, ...) has created twice, a standby started from the whole program's snapshot takes its
// next create, and runts-light starts runts-init for it, so that the container's init is the
// caller's child, as it is of a runts Node started for the call, and the caller's subreaper (conmon,
// a containerd shim) inherits it. Each test calls from a context of its own (an environment
// variable) through test/helpers/subreaper_create.py, a subreaper that reaps the init itself.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle, REPO, RUNTS } from '../../helpers/bundle';
import { uniqueId } from '../../helpers/runts';
import { alive, readProc, standbysOf as standbysFrom, waitFor, WHOLE_BLOB } from '../../helpers/standbys';

const STANDBY_DIR = '/run/runts-standby';
const SUBREAPER = path.join(REPO, 'test', 'helpers', 'subreaper_create.py');
const SERVED = 'started from the startup snapshot, ahead of the call (a standby)';
const work = fs.mkdtempSync(path.join(os.tmpdir(), `runts-create-standby-${process.pid}-`));
const root = fs.mkdtempSync(path.join(work, 'root-'));
const markersBefore = new Set(fs.existsSync(STANDBY_DIR) ? fs.readdirSync(STANDBY_DIR) : []);
let contexts = 0;

/** An environment no other test calls from: its own standbys. */
const newContext = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env, RUNTS_STANDBY_SECONDS: '30', RUNTS_TEST_STANDBY_CONTEXT: `create-${process.pid}-${++contexts}`, ...env,
});

/** This checkout's create standbys waiting for env's context. */
const standbysOf = (env: NodeJS.ProcessEnv) => standbysFrom(env, WHOLE_BLOB).filter((s) => alive(s.pid));

interface Seen { self: number; create: number; initParent?: number; start?: number; exit?: number }

/** A container whose process exits 7, created and started by a subreaper (`python3`, or python3 by
 *  another name, whose start then runs without standbys, as podman's comes from outside conmon):
 *  what it saw, and create's stderr. */
function createAndStart(env: NodeJS.ProcessEnv, bundle = makeBundle((c) => (c.process.args = ['sh', '-c', 'exit 7'])).dir, python = 'python3'): { seen: Seen; stderr: string } {
  const id = uniqueId('create-standby');
  const pidFile = path.join(work, `${id}.pid`);
  const resultFile = path.join(work, `${id}.json`);
  const errFile = path.join(work, `${id}.err`);
  const err = fs.openSync(errFile, 'w');
  try {
    const create = [RUNTS, '--root', root, '--debug', 'create', '--bundle', bundle, '--pid-file', pidFile, id];
    const r = spawnSync(python, [SUBREAPER, JSON.stringify(create), JSON.stringify([...(python === 'python3' ? [] : ['/usr/bin/env', 'RUNTS_STANDBY=0']), RUNTS, '--root', root, 'start', id]), pidFile, resultFile], {
      env, stdio: ['ignore', 'ignore', err], timeout: 30000,
    });
    if (r.status !== 0) throw new Error(`subreaper_create.py: ${r.status ?? r.signal}: ${fs.readFileSync(errFile, 'utf8')}`);
    return { seen: JSON.parse(fs.readFileSync(resultFile, 'utf8')), stderr: fs.readFileSync(errFile, 'utf8') };
  } finally {
    fs.closeSync(err);
  }
}

/** The create standby ready for env's next call, started by two creates in that context. */
async function readyStandby(env: NodeJS.ProcessEnv): Promise<{ pid: number; socket: string }> {
  for (let i = 0; i < 2; i++) createAndStart(env);
  return waitFor('a create standby', () => {
    const living = standbysOf(env);
    return living.length === 1 && fs.existsSync(living[0].socket) ? living[0] : undefined;
  });
}

const endStandbys = () => spawnSync(path.join(REPO, 'scripts', 'end-standbys.sh'));

afterEach(() => {
  for (const id of fs.readdirSync(root)) spawnSync(RUNTS, ['--root', root, 'delete', '--force', id], { env: { ...process.env, RUNTS_STANDBY: '0' } });
  endStandbys();
});

afterAll(() => {
  // the markers and wishes of this file's contexts: the policy's memory of their calls
  for (const name of fs.existsSync(STANDBY_DIR) ? fs.readdirSync(STANDBY_DIR) : []) {
    if (!markersBefore.has(name) && (name.endsWith('.seen') || name.endsWith('.wish'))) fs.rmSync(path.join(STANDBY_DIR, name), { force: true });
  }
  cleanupBundles();
  fs.rmSync(work, { recursive: true, force: true });
});

test("a standby takes create; the container's init is the caller's, which reaps its exit status", async () => {
  const fresh = createAndStart(newContext({ RUNTS_STANDBY: '0' }));
  expect(fresh.stderr).not.toContain(SERVED);
  expect(fresh.seen).toEqual({ self: fresh.seen.self, create: 0, initParent: fresh.seen.self, start: 0, exit: 7 });

  const env = newContext();
  const standby = await readyStandby(env);
  const served = createAndStart(env);
  expect(served.stderr).toContain(`(pid ${standby.pid},`);
  expect(served.stderr).toContain(SERVED);
  expect(served.seen).toEqual({ ...fresh.seen, self: served.seen.self, initParent: served.seen.self });
  await waitFor('the standby to end after its call', () => (alive(standby.pid) ? undefined : true), 5000);
});

test('a create that fails in a standby fails as it does in a fresh Node, and leaves no container', async () => {
  const bad = makeBundle((c) => (c.process.cwd = 'relative')).dir;
  const env = newContext();
  const fresh = createAndStart({ ...env, RUNTS_STANDBY: '0' }, bad);
  const standby = await readyStandby(env);
  const served = createAndStart(env, bad);
  expect(served.stderr).toContain(SERVED);
  const errors = (text: string) => text.split('\n').filter((l) => l.includes('level=error')).map((l) => l.replace(/time="[^"]*"/, 'time=T').replace(/runts-test-create-standby-\d+-\d+/g, 'ID'));
  expect(errors(served.stderr)).toEqual(errors(fresh.stderr));
  expect(errors(served.stderr)).toHaveLength(1);
  expect({ ...served.seen, self: 0 }).toEqual({ ...fresh.seen, self: 0 });
  expect(served.seen.create).not.toBe(0);
  expect(alive(standby.pid)).toBe(false);
  // only the two containers readyStandby created are left
  expect(fs.readdirSync(root)).toHaveLength(2);
});

test('create --preserve-fds runs in a Node of its own and leaves the standby waiting', async () => {
  const env = newContext();
  const standby = await readyStandby(env);
  const id = uniqueId('create-standby');
  const out = fs.openSync(path.join(work, 'preserve.err'), 'w');
  const extra = fs.openSync('/dev/null', 'r');
  try {
    const bundle = makeBundle((c) => (c.process.args = ['sleep', '600'])).dir;
    const r = spawnSync(RUNTS, ['--root', root, '--debug', 'create', '--preserve-fds', '1', '--bundle', bundle, id], { env, stdio: ['ignore', 'ignore', out, extra], timeout: 20000 });
    expect(r.status).toBe(0);
  } finally {
    fs.closeSync(out);
    fs.closeSync(extra);
  }
  expect(fs.readFileSync(path.join(work, 'preserve.err'), 'utf8')).not.toContain(SERVED);
  expect(alive(standby.pid) && fs.existsSync(standby.socket)).toBe(true);
});

test("conmon's create leaves a wish that its cleanup's call grants: the standby has the wisher's environment and takes its next create", async () => {
  // a subreaper named conmon; the cleanup calls from another environment (podman's cleanup runs
  // without conmon's _OCI_* variables), in the same cgroups, ids and namespaces
  const conmon = path.join(fs.mkdtempSync(path.join(work, 'python-')), 'conmon');
  fs.symlinkSync(fs.realpathSync('/usr/bin/python3'), conmon);
  const cleanup = newContext();
  const wisher = { ...cleanup, RUNTS_TEST_WISHER: 'conmon' };
  const [first] = [createAndStart(wisher, undefined, conmon), createAndStart(wisher, undefined, conmon)];
  expect(first.seen.exit).toBe(7);
  expect(standbysOf(wisher)).toEqual([]);
  const wishes = fs.readdirSync(STANDBY_DIR).filter((n) => n.endsWith('.wish'));
  expect(wishes.length).toBeGreaterThan(0);

  const [id] = fs.readdirSync(root);
  expect(spawnSync(RUNTS, ['--root', root, 'delete', '--force', id], { env: cleanup, stdio: 'ignore' }).status).toBe(0);
  const standby = await waitFor('the granted standby', () => standbysOf(cleanup).find((s) => fs.existsSync(s.socket)));
  expect(readProc(standby.pid, 'environ').split('\0')).toContain('RUNTS_TEST_WISHER=conmon');

  const served = createAndStart(wisher, undefined, conmon);
  expect(served.stderr).toContain(`(pid ${standby.pid},`);
  expect(served.stderr).toContain(SERVED);
  expect(served.seen).toEqual({ self: served.seen.self, create: 0, initParent: served.seen.self, start: 0, exit: 7 });
});

test("a wish whose standby was killed outright is granted again: conmon's next create removes the dead socket", async () => {
  const conmon = path.join(fs.mkdtempSync(path.join(work, 'python-')), 'conmon');
  fs.symlinkSync(fs.realpathSync('/usr/bin/python3'), conmon);
  const cleanup = newContext();
  const wisher = { ...cleanup, RUNTS_TEST_WISHER: 'conmon' };
  const cleanupCall = () => expect(spawnSync(RUNTS, ['--root', root, 'list'], { env: cleanup, stdio: 'ignore' }).status).toBe(0);
  createAndStart(wisher, undefined, conmon);
  createAndStart(wisher, undefined, conmon);
  cleanupCall();
  const killed = await waitFor('the granted standby', () => standbysOf(cleanup).find((s) => fs.existsSync(s.socket)));
  process.kill(killed.pid, 'SIGKILL');
  await waitFor('the standby gone', () => (standbysOf(cleanup).some((s) => s.pid === killed.pid) ? undefined : true));
  expect(fs.existsSync(killed.socket)).toBe(true);
  // refused, so created in a Node of its own; it wishes again, without the dead socket
  expect(createAndStart(wisher, undefined, conmon).stderr).not.toContain(SERVED);
  expect(fs.existsSync(killed.socket)).toBe(false);
  cleanupCall();
  const again = await waitFor('a standby granted again', () => standbysOf(cleanup).find((s) => fs.existsSync(s.socket)));
  expect(again.pid).not.toBe(killed.pid);
  expect(createAndStart(wisher, undefined, conmon).stderr).toContain(`(pid ${again.pid},`);
});

test("no standby starts below conmon, which waits for every child it adopted before it exits", () => {
  // a shell named conmon, and a runtime wrapper script between it and runts
  const conmon = path.join(fs.mkdtempSync(path.join(work, 'sh-')), 'conmon');
  fs.copyFileSync('/bin/sh', conmon, fs.constants.COPYFILE_EXCL);
  fs.chmodSync(conmon, 0o755);
  const wrapper = path.join(work, 'runtime-wrapper');
  fs.writeFileSync(wrapper, `#!/bin/sh\n"${RUNTS}" "$@"\n`, { mode: 0o755 });
  const env = newContext();
  const bundle = makeBundle((c) => (c.process.args = ['sleep', '600'])).dir;
  for (let i = 0; i < 2; i++) {
    const id = uniqueId('create-standby');
    // `; true`: the shell must stay runts' parent, not exec it
    const r = spawnSync(conmon, ['-c', `"${wrapper}" --root "${root}" create --bundle "${bundle}" ${id}; true`], { env, stdio: 'ignore', timeout: 20000 });
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(root, id))).toBe(true);
  }
  expect(standbysOf(env)).toEqual([]);
});
