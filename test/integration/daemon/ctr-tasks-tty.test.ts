// `ctr run -t` against runtsd: the task gets a pty (the shim's console), its output and exit
// status come back through ctr. Runtime io.containerd.runc.v2 only: the runts shim does not
// implement terminals yet.
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

  it('runs the task on a pty and passes its exit status through', async () => {
    // script(1) gives ctr a terminal of its own, as an interactive user would.
    const ctr = `ctr -a ${env.daemon.socket} -n ${env.namespace} run --rm -t --runtime io.containerd.runc.v2 ${IMAGE} tty1 sh -c 'tty; exit 2'`;
    const result = spawnSync('script', ['-qec', ctr, '/dev/null'], { encoding: 'utf8', input: '', timeout: 20000 });
    expect(result.stdout).toMatch(/\/dev\/pts\/\d+\r+\n/);
    expect(result.status).toBe(2);
    await waitFor(() => env.leftovers('tty1').length === 0, `no leftovers (${env.leftovers('tty1').join(', ')})`);
  });
});
