// SCMP_ACT_NOTIFY with linux.seccomp.listenerPath: the runtime hands the filter's listener fd
// and the container process state to a seccomp agent (seccomp_agent.py), which then answers
// the notified syscalls in the container's place.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

const AGENT = path.join(__dirname, 'seccomp_agent.py');

let runts: Runts;
let dir: string;
let agent: ChildProcess | undefined;
beforeEach(() => {
  runts = new Runts();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-agent-'));
});
afterEach(() => {
  runts.reset();
  if (agent?.exitCode === null && agent.pid) process.kill(agent.pid, 'SIGKILL');
  agent = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});
afterAll(cleanupBundles);

/** Starts the agent for `connections` runtime connections; resolves once it listens. */
function startAgent(connections = 1): Promise<void> {
  const child = spawn('python3', [AGENT, path.join(dir, 'agent.sock'), path.join(dir, 'state'), String(connections)], { stdio: ['ignore', 'pipe', 'inherit'] });
  agent = child;
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`seccomp agent exited ${code}`)));
  });
}

const agentState = (n: number) => JSON.parse(fs.readFileSync(path.join(dir, `state.${n}`), 'utf8'));

function notifyBundle(args: string[], edit?: (c: any) => void) {
  return makeBundle((c) => {
    c.process.args = args;
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW', listenerPath: path.join(dir, 'agent.sock'), listenerMetadata: 'agent-test',
      syscalls: [{ names: ['mkdir', 'mkdirat', 'rmdir'], action: 'SCMP_ACT_NOTIFY' }],
    };
    edit?.(c);
  });
}

const PROBE = ['sh', '-c', 'mkdir /made; echo mkdir=$?; test -d /made || echo absent; rmdir /tmp 2>&1; test -d /tmp && echo kept'];
const ANSWERED = 'mkdir=0\nabsent\nrmdir: \'/tmp\': Invalid cross-device link\nkept\n';

test.each([
  ['with no_new_privs (filter loaded last)', (c: any) => (c.process.noNewPrivileges = true)],
  ['without no_new_privs, as uid 1000 (filter loaded before the identity switch)', (c: any) => {
    c.process.noNewPrivileges = false;
    c.process.user = { uid: 1000, gid: 1000 };
  }],
])('notified mkdir/rmdir get the agent\'s answers %s', async (_name, edit) => {
  await startAgent();
  const b = notifyBundle(PROBE, edit);
  const id = uniqueId('notify');
  // The kernel would have created /made and failed rmdir with EBUSY/ENOTEMPTY: the fake
  // success and EXDEV can only come from the agent.
  expect(runts.ok(['run', '--bundle', b.dir, id])).toBe(ANSWERED);
  expect(fs.existsSync(path.join(b.rootfs, 'made'))).toBe(false);
  const s = agentState(1);
  expect(s).toEqual({
    ociVersion: b.config.ociVersion, fds: ['seccompFd'], pid: s.state.pid, metadata: 'agent-test',
    state: { ociVersion: b.config.ociVersion, id, status: 'creating', pid: s.pid, bundle: b.dir, annotations: {} },
  });
  expect(s.pid).toBeGreaterThan(1);
});

test('exec: the exec\'d process\'s listener fd reaches the agent too, with the running container\'s state', async () => {
  await startAgent(2);
  const b = notifyBundle(['sleep', '60']);
  const id = uniqueId('notifyexec');
  runts.ok(['run', '-d', '--bundle', b.dir, id]);
  const init = runts.state(id).pid;
  expect(runts.ok(['exec', id, ...PROBE])).toBe(ANSWERED);
  const s = agentState(2);
  expect(s.state).toMatchObject({ id, status: 'running', pid: init });
  expect(s.pid).not.toBe(init);
  expect(s.fds).toEqual(['seccompFd']);
});

test('no agent at listenerPath: create fails with one clear line and leaves no container', () => {
  const b = notifyBundle(['true']);
  const r = runts.run(['create', '--bundle', b.dir, uniqueId('noagent')]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`config.json: /linux/seccomp/listenerPath: connect to ${path.join(dir, 'agent.sock')}: No such file or directory`);
  expect(runts.ok(['list', '-q'])).toBe('');
});

test('features lists SCMP_ACT_NOTIFY', () => {
  expect(JSON.parse(runts.ok(['features'])).linux.seccomp.actions).toContain('SCMP_ACT_NOTIFY');
});
