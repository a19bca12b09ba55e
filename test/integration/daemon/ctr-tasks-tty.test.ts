// `ctr run -t` and `ctr tasks exec -t` against runtsd: the process gets a pty, its output and exit
// status come back through ctr, with containerd's runc shim and with the runts shim.
import { spawnSync } from 'child_process';
import { IMAGE, TaskEnv, missingPrerequisite, startTaskEnv, waitFor } from './task-env';

const skip = missingPrerequisite() ?? (spawnSync('which', ['script']).status !== 0 ? 'needs script(1)' : undefined);
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`runtsd tty tests skipped: ${skip}`);

describeIfPossible('ctr run -t against runtsd', () => {
  jest.setTimeout(30000);
  let env: TaskEnv;

  beforeAll(async () => {
    env = await startTaskEnv('tty');
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  const RUNTIMES = ['io.containerd.runc.v2', 'io.containerd.runts.v2'].map((r) => [r, r.split('.')[2]]);

  it.each(RUNTIMES)('%s: runs the task on a pty and passes its exit status through', async (runtime, short) => {
    const tty1 = `tty1-${short}`;
    // script(1) gives ctr a terminal of its own, as an interactive user would.
    const ctr = `ctr -a ${env.daemon.socket} -n ${env.namespace} run --rm -t --runtime ${runtime} ${IMAGE} ${tty1} sh -c 'tty; exit 2'`;
    const result = spawnSync('script', ['-qec', ctr, '/dev/null'], { encoding: 'utf8', input: '', timeout: 20000 });
    expect(result.stdout).toMatch(/\/dev\/pts\/\d+\r+\n/);
    expect(result.status).toBe(2);
    await waitFor(() => env.leftovers(tty1).length === 0, `no leftovers (${env.leftovers(tty1).join(', ')})`);
  });

  it.each(RUNTIMES)('%s: execs a process on its own pty in a running task', async (runtime, short) => {
    const tty2 = `tty2-${short}`;
    expect(env.ctr(['run', '-d', '--runtime', runtime, IMAGE, tty2, 'sleep', '300']).status).toBe(0);
    const ctr = `ctr -a ${env.daemon.socket} -n ${env.namespace} tasks exec -t --exec-id e1 ${tty2} sh -c 'tty; exit 3'`;
    const result = spawnSync('script', ['-qec', ctr, '/dev/null'], { encoding: 'utf8', input: '', timeout: 20000 });
    expect(result.stdout).toMatch(/\/dev\/pts\/\d+\r+\n/);
    expect(result.status).toBe(3);
    expect(env.ctr(['tasks', 'kill', '-s', 'KILL', tty2]).status).toBe(0);
    await waitFor(() => new RegExp(`${tty2}\\s+\\d+\\s+STOPPED`).test(env.ctr(['tasks', 'ls']).stdout), `${tty2} STOPPED`);
    expect(env.ctr(['tasks', 'delete', tty2]).status).toBe(0);
    expect(env.ctr(['containers', 'delete', tty2]).status).toBe(0);
  });
});
