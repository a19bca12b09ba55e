// A detached task managed with ctr against runtsd (ls, ps, exec, pause, resume, metrics, kill,
// delete), through the runts shim and containerd's runc shim.
import * as fs from 'fs';
import { IMAGE, TaskEnv, missingPrerequisite, startTaskEnv, waitFor } from './task-env';

const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`runtsd task tests skipped: ${skip}`);

describeIfPossible.each([
  ['io.containerd.runts.v2'],
  ['io.containerd.runc.v2'],
])('a detached task on runtsd with runtime %s', (runtime) => {
  jest.setTimeout(30000);
  let env: TaskEnv;

  beforeAll(async () => {
    env = await startTaskEnv(`manage-${runtime.split('.')[2]}`);
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('runs, execs, pauses, resumes, measures, refuses checkpoint and deletion while running, is killed and deleted', async () => {
    expect(env.ctr(['run', '-d', '--runtime', runtime, IMAGE, 'sleeper', 'sleep', '300']).status).toBe(0);
    const listed = /sleeper\s+(\d+)\s+RUNNING/.exec(env.ctr(['tasks', 'ls']).stdout);
    expect(listed).not.toBeNull();
    const pid = Number(listed![1]);
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\x00300\x00');
    expect(env.ctr(['tasks', 'ps', 'sleeper']).stdout).toMatch(new RegExp(`^${pid}\\s`, 'm'));

    const exec = env.ctr(['tasks', 'exec', '--exec-id', 'e1', 'sleeper', 'sh', '-c', 'echo in-container; exit 4']);
    expect(exec.stdout).toBe('in-container\n');
    expect(exec.status).toBe(4);
    const cat = env.ctr(['tasks', 'exec', '--exec-id', 'e2', 'sleeper', 'cat'], 'line 1\nline 2\n');
    expect(cat.stdout).toBe('line 1\nline 2\n');
    expect(cat.status).toBe(0);

    expect(env.ctr(['tasks', 'pause', 'sleeper']).status).toBe(0);
    expect(env.ctr(['tasks', 'ls']).stdout).toMatch(/sleeper\s+\d+\s+PAUSED/);
    expect(env.ctr(['tasks', 'resume', 'sleeper']).status).toBe(0);
    expect(env.ctr(['tasks', 'ls']).stdout).toMatch(/sleeper\s+\d+\s+RUNNING/);

    const metrics = env.ctr(['tasks', 'metrics', '--format', 'json', 'sleeper']);
    expect(metrics.status).toBe(0);
    const data = JSON.parse(metrics.stdout) as Record<string, any>;
    expect(data.pids.current).toBe(1);
    expect(data.memory?.usage?.usage).toBeGreaterThan(0);

    const checkpoint = env.ctr(['tasks', 'checkpoint', 'sleeper']);
    expect(checkpoint.status).not.toBe(0);
    expect(checkpoint.stderr).toMatch(/checkpoint of task sleeper: not supported by runtsd/);

    const busy = env.ctr(['tasks', 'delete', 'sleeper']);
    expect(busy.status).not.toBe(0);
    expect(busy.stderr).toMatch(/must be stopped/);

    expect(env.ctr(['tasks', 'kill', '-s', 'KILL', 'sleeper']).status).toBe(0);
    await waitFor(() => /sleeper\s+\d+\s+STOPPED/.test(env.ctr(['tasks', 'ls']).stdout), 'STOPPED');
    const deleted = env.ctr(['tasks', 'delete', 'sleeper']);
    expect(deleted.status).toBe(0);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    expect(env.ctr(['containers', 'delete', 'sleeper']).status).toBe(0);
    await waitFor(() => env.leftovers('sleeper').length === 0, `no leftovers (${env.leftovers('sleeper').join(', ')})`);
  });

  it('answers NotFound for a container without a task, AlreadyExists for a second task', () => {
    expect(env.ctr(['containers', 'create', '--runtime', runtime, IMAGE, 'idle', 'true']).status).toBe(0);
    const missing = env.ctr(['tasks', 'kill', 'idle']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/task idle not found/);
    expect(env.ctr(['containers', 'delete', 'idle']).status).toBe(0);
    expect(env.ctr(['run', '-d', '--runtime', runtime, IMAGE, 'twice', 'sleep', '300']).status).toBe(0);
    const again = env.ctr(['tasks', 'start', 'twice']);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/already exists/);
    env.ctr(['tasks', 'kill', '-s', 'KILL', 'twice']);
  });
});
