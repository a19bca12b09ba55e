// The real containerd (Debian's) runs containers through containerd-shim-runts-v2: with runts's
// runtime library in-process (the default), and with a runtime binary (runc, the runts CLI).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { IMAGE, missingPrerequisite, PrivateContainerd, RUNTS_BIN } from './private-containerd';
import { watchCtrEvents } from '../../helpers/ctr-events';

const RUNTIME = ['--runtime', 'io.containerd.runts.v2'];
const skip = missingPrerequisite();
const describeIfPossible = skip ? describe.skip : describe;
if (skip) console.warn(`containerd shim tests skipped: ${skip}`);

describeIfPossible.each([
  ['the in-process runtime', ''],
  ['runc', 'runc'],
  ['runts', RUNTS_BIN],
])('containerd with the runts shim over %s', (_name, runtimeBinary) => {
  jest.setTimeout(60000);
  let containerd: PrivateContainerd;

  beforeAll(async () => {
    containerd = new PrivateContainerd(runtimeBinary);
    try {
      await containerd.start();
      containerd.importBusybox();
    } catch (err) {
      await containerd.stop();
      throw err;
    }
  });

  afterAll(async () => {
    await containerd?.stop();
  });

  afterEach(() => {
    // a failed test must not leave shims behind for the next one
    for (const line of containerd.ctr(['tasks', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
      containerd.ctr(['tasks', 'kill', '-s', 'KILL', line]);
      containerd.ctr(['tasks', 'delete', '-f', line]);
    }
    for (const line of containerd.ctr(['containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
      containerd.ctr(['containers', 'delete', line]);
    }
  });

  it('ctr run --rm echo hi prints hi, and the shim and its socket are gone afterwards', async () => {
    const result = containerd.ctr(['run', '--rm', ...RUNTIME, IMAGE, 'echo1', 'echo', 'hi']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('hi\n');
    expect(result.status).toBe(0);
    await waitFor(() => containerd.shimPids().length === 0);
    expect(fs.existsSync(containerd.socketFor('echo1'))).toBe(false);
  });

  it('passes the container exit status through to ctr', () => {
    const result = containerd.ctr(['run', '--rm', ...RUNTIME, IMAGE, 'exit3', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect(result.status).toBe(3);
  });

  it('manages a detached container: exec, ps, pause, resume, kill, delete', async () => {
    expect(containerd.ctr(['run', '-d', ...RUNTIME, IMAGE, 'sleeper', 'sleep', '300']).status).toBe(0);
    expect(containerd.ctr(['tasks', 'ls']).stdout).toMatch(/sleeper\s+\d+\s+RUNNING/);

    const exec = containerd.ctr(['tasks', 'exec', '--exec-id', 'e1', 'sleeper', 'sh', '-c', 'echo in-container; exit 4']);
    expect(exec.stdout).toBe('in-container\n');
    expect(exec.status).toBe(4);
    // stdin reaches the process, and CloseIO gives it EOF once everything was delivered
    const cat = containerd.ctr(['tasks', 'exec', '--exec-id', 'e2', 'sleeper', 'cat'], 'line 1\nline 2\n');
    expect(cat.stdout).toBe('line 1\nline 2\n');
    expect(cat.status).toBe(0);

    const ps = containerd.ctr(['tasks', 'ps', 'sleeper']);
    expect(ps.status).toBe(0);
    const pid = Number(/sleeper\s+(\d+)/.exec(containerd.ctr(['tasks', 'ls']).stdout)![1]);
    expect(ps.stdout).toContain(String(pid));
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\x00300\x00');

    expect(containerd.ctr(['tasks', 'pause', 'sleeper']).status).toBe(0);
    expect(containerd.ctr(['tasks', 'ls']).stdout).toMatch(/sleeper\s+\d+\s+PAUSED/);
    expect(containerd.ctr(['tasks', 'resume', 'sleeper']).status).toBe(0);
    expect(containerd.ctr(['tasks', 'ls']).stdout).toMatch(/sleeper\s+\d+\s+RUNNING/);

    const busy = containerd.ctr(['tasks', 'delete', 'sleeper']);
    expect(busy.status).not.toBe(0);
    expect(busy.stderr).toMatch(/must be stopped/);

    expect(containerd.ctr(['tasks', 'kill', '-s', 'KILL', 'sleeper']).status).toBe(0);
    await waitFor(() => /STOPPED/.test(containerd.ctr(['tasks', 'ls']).stdout));
    const deleted = containerd.ctr(['tasks', 'delete', 'sleeper']);
    expect(deleted.status).toBe(0);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    expect(containerd.ctr(['containers', 'delete', 'sleeper']).status).toBe(0);
    await waitFor(() => containerd.shimPids().length === 0);
  });

  it('forwards task events to containerd in order', async () => {
    const events = await watchCtrEvents(containerd.socket);
    try {
      expect(containerd.ctr(['run', '--rm', ...RUNTIME, IMAGE, 'evented', 'sh', '-c', 'exit 5']).status).toBe(5);
      await waitFor(() => events.text().includes('/tasks/delete'));
    } finally {
      events.stop();
    }
    const topics = events.taskTopics(containerd.namespace);
    expect(topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    expect(events.text()).toMatch(/\/tasks\/exit \{"container_id":"evented","id":"evented","pid":\d+,"exit_status":5/);
  });

  it('reports cgroup metrics for a running task', async () => {
    expect(containerd.ctr(['run', '-d', ...RUNTIME, IMAGE, 'measured', 'sleep', '300']).status).toBe(0);
    const metrics = containerd.ctr(['tasks', 'metrics', '--format', 'json', 'measured']);
    expect(metrics.status).toBe(0);
    const data = JSON.parse(metrics.stdout) as Record<string, any>;
    expect(data.pids.current).toBe(1);
    expect(data.memory?.usage?.usage ?? data.memory?.usage).toBeGreaterThan(0);
    expect(data.cpu).toBeDefined();
    containerd.ctr(['tasks', 'kill', '-s', 'KILL', 'measured']);
    await waitFor(() => /STOPPED/.test(containerd.ctr(['tasks', 'ls']).stdout));
  });

  it('publishes an OOM event before the exit of a task killed by its memory limit', async () => {
    const events = await watchCtrEvents(containerd.socket);
    try {
      const hog = containerd.ctr(['run', '--rm', ...RUNTIME, '--memory-limit', String(32 << 20), IMAGE, 'hog', 'busybox', 'tail', '/dev/zero']);
      expect(hog.status).toBe(137);
      await waitFor(() => events.text().includes('/tasks/delete'));
    } finally {
      events.stop();
    }
    const topics = events.taskTopics(containerd.namespace, '"hog"');
    expect(topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/oom', '/tasks/exit', '/tasks/delete']);
  });

  it('publishes an OOM event for a process OOM-killed in a task that keeps running', async () => {
    const events = await watchCtrEvents(containerd.socket);
    try {
      // the shell (the task's init) outlives the OOM kill of its memory hog
      const run = containerd.ctr(['run', '-d', ...RUNTIME, '--memory-limit', String(32 << 20), IMAGE, 'oom-survivor', 'sh', '-c', 'tail /dev/zero; sleep 300']);
      expect(run.status).toBe(0);
      await waitFor(() => events.text().split('\n').some((l) => l.includes('/tasks/oom') && l.includes('"oom-survivor"')));
      expect(containerd.ctr(['tasks', 'ls']).stdout).toMatch(/oom-survivor\s+\d+\s+RUNNING/);
    } finally {
      events.stop();
      containerd.ctr(['tasks', 'kill', '-s', 'KILL', 'oom-survivor']);
      await waitFor(() => /oom-survivor\s+\d+\s+STOPPED/.test(containerd.ctr(['tasks', 'ls']).stdout)).catch(() => {});
      containerd.ctr(['tasks', 'delete', 'oom-survivor']);
      containerd.ctr(['containers', 'delete', 'oom-survivor']);
    }
  });

  it('keeps a container running across a containerd restart and manages it afterwards', async () => {
    expect(containerd.ctr(['run', '-d', ...RUNTIME, IMAGE, 'survivor', 'sleep', '300']).status).toBe(0);
    const [shimPid] = containerd.shimPids();
    await containerd.restart();
    expect(containerd.shimPids()).toEqual([shimPid]);
    expect(containerd.ctr(['tasks', 'ls']).stdout).toMatch(/survivor\s+\d+\s+RUNNING/);
    const exec = containerd.ctr(['tasks', 'exec', '--exec-id', 'after', 'survivor', 'echo', 'still here']);
    expect(exec.stdout).toBe('still here\n');
    expect(containerd.ctr(['tasks', 'kill', '-s', 'KILL', 'survivor']).status).toBe(0);
    await waitFor(() => /STOPPED/.test(containerd.ctr(['tasks', 'ls']).stdout));
    expect(containerd.ctr(['tasks', 'delete', 'survivor']).status).toBe(0);
    expect(containerd.ctr(['containers', 'delete', 'survivor']).status).toBe(0);
    await waitFor(() => containerd.shimPids().length === 0);
  });

  it('sends stdout and stderr to a file:// log URI', () => {
    const log = `${containerd.dir}/logs/file-uri.log`;
    const result = containerd.ctr(['run', '--rm', ...RUNTIME, '--log-uri', `file://${log}`, IMAGE, 'filelog', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 2']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(fs.readFileSync(log, 'utf8')).toBe('to-out\nto-err\n');
  });

  it('starts a binary:// logging binary with the streams on fds 3 and 4 and a ready pipe on fd 5', async () => {
    const out = `${containerd.dir}/binary-log`;
    const logger = `${containerd.dir}/logger.sh`;
    // closes fd 5 only after recording who it logs for, then copies until the container is gone
    fs.writeFileSync(logger, [
      '#!/bin/sh',
      `echo "args=$* id=$CONTAINER_ID ns=$CONTAINER_NAMESPACE" > ${out}.meta`,
      'exec 5>&-',
      `cat <&3 > ${out}.out & cat <&4 > ${out}.err; wait`,
      `echo done >> ${out}.meta`,
      '',
    ].join('\n'), { mode: 0o755 });
    const result = containerd.ctr(['run', '--rm', ...RUNTIME, '--log-uri', `binary://${logger}?tag=t1`, IMAGE, 'binlog', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 2']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(2);
    await waitFor(() => fs.existsSync(`${out}.meta`) && fs.readFileSync(`${out}.meta`, 'utf8').includes('done'));
    expect(fs.readFileSync(`${out}.meta`, 'utf8')).toBe(`args=tag t1 id=binlog ns=${containerd.namespace}\ndone\n`);
    expect(fs.readFileSync(`${out}.out`, 'utf8')).toBe('to-out\n');
    expect(fs.readFileSync(`${out}.err`, 'utf8')).toBe('to-err\n');
  });

  it('reaps the processes orphaned to it (a container in the host pid namespace double-forks)', async () => {
    // no pid namespace of its own: the orphaned `sleep 1` is reparented to the subreaper shim
    const hostPidNs = `pid:/proc/${process.pid}/ns/pid`;
    expect(containerd.ctr(['run', '-d', ...RUNTIME, '--with-ns', hostPidNs, IMAGE, 'orphans', 'sh', '-c', '(sleep 1 &); exec sleep 300']).status).toBe(0);
    const [shim] = containerd.shimPids();
    // the container's processes among the shim's children (those of a runtime binary, such as
    // bin/runts' light-command standbys, are its children too), told by their cgroup while they run
    const inContainer = () => childrenOf(shim).filter((c) => cgroupOf(c.pid).includes(`/${containerd.namespace}/orphans\n`));
    await waitFor(() => inContainer().length === 2);
    // running or sleeping (a loaded machine shows R now and then), never a zombie
    expect(inContainer().map((c) => c.state)).not.toContain('Z');
    const pids = inContainer().map((c) => c.pid);
    const left = () => childrenOf(shim).filter((c) => pids.includes(c.pid));
    // once `sleep 1` ends the shim reaps it: one of them left, not a zombie beside it
    await waitFor(() => left().length === 1);
    expect(left().map((c) => c.state)).not.toContain('Z');
  });

  // bin/runts as the runtime binary: the standby its light commands start is adopted by the shim
  // (a child subreaper), serves the shim's next call, and is reaped as any orphan
  (runtimeBinary === RUNTS_BIN ? it : it.skip)('gets standbys for its light calls of bin/runts, which it reaps', async () => {
    expect(containerd.ctr(['run', '-d', ...RUNTIME, IMAGE, 'light', 'sleep', '300']).status).toBe(0);
    const [shim] = containerd.shimPids();
    // start, then ps: the second light call of the shim's context leaves a standby, once the one
    // that served a call (if any did) has exited
    expect(containerd.ctr(['tasks', 'ps', 'light']).status).toBe(0);
    const waiting = () => {
      const standbys = containerd.standbys().filter((s) => s.light);
      return standbys.length === 1 && fs.existsSync(standbys[0].socket) ? standbys[0] : undefined;
    };
    await waitFor(() => waiting() !== undefined);
    const standby = waiting()!;
    expect(parentPid(standby.pid)).toBe(shim);
    // the kill is its call: it exits after it, and the shim reaps it
    expect(containerd.ctr(['tasks', 'kill', '-s', 'KILL', 'light']).status).toBe(0);
    await waitFor(() => /light\s+\d+\s+STOPPED/.test(containerd.ctr(['tasks', 'ls']).stdout));
    await waitFor(() => !fs.existsSync(`/proc/${standby.pid}`));
    expect(containerd.ctr(['tasks', 'delete', 'light']).status).toBe(0);
    expect(containerd.ctr(['containers', 'delete', 'light']).status).toBe(0);
  });

  it('runs the containers of one sandbox in one shim, which exits with the last of them', async () => {
    const sandbox = ['--annotation', 'io.kubernetes.cri.sandbox-id=pod-1'];
    expect(containerd.ctr(['run', '-d', ...RUNTIME, ...sandbox, IMAGE, 'pod-a', 'sleep', '300']).status).toBe(0);
    expect(containerd.ctr(['run', '-d', ...RUNTIME, ...sandbox, IMAGE, 'pod-b', 'sleep', '300']).status).toBe(0);
    const shims = containerd.shimPids();
    expect(shims).toHaveLength(1);
    const quick = containerd.ctr(['run', '--rm', ...RUNTIME, ...sandbox, IMAGE, 'pod-c', 'echo', 'joined']);
    expect(quick.stdout).toBe('joined\n');
    for (const id of ['pod-a', 'pod-b']) {
      expect(containerd.ctr(['tasks', 'kill', '-s', 'KILL', id]).status).toBe(0);
      await waitFor(() => new RegExp(`${id}\\s+\\d+\\s+STOPPED`).test(containerd.ctr(['tasks', 'ls']).stdout));
      expect(containerd.ctr(['tasks', 'delete', id]).status).toBe(0);
      expect(containerd.ctr(['containers', 'delete', id]).status).toBe(0);
      if (id === 'pod-a') expect(containerd.shimPids()).toEqual(shims);
    }
    await waitFor(() => containerd.shimPids().length === 0);
  });

  it('runs every container of the namespace in one shim with shim_group = "namespace" (--runtime-config-path)', async () => {
    const config = path.join(containerd.dir, 'runts-namespace-group.toml');
    fs.writeFileSync(config, 'shim_group = "namespace"\n');
    const grouped = [...RUNTIME, '--runtime-config-path', config];
    expect(containerd.ctr(['run', '-d', ...grouped, IMAGE, 'ns-a', 'sleep', '300']).status).toBe(0);
    expect(containerd.ctr(['run', '-d', ...grouped, IMAGE, 'ns-b', 'sleep', '300']).status).toBe(0);
    const shared = containerd.shimPids();
    expect(shared).toHaveLength(1);
    expect(containerd.ctr(['run', '-d', ...RUNTIME, IMAGE, 'ns-own', 'sleep', '300']).status).toBe(0);
    const own = containerd.shimPids().filter((pid) => !shared.includes(pid));
    expect(own).toHaveLength(1);
    // each task's init is a child of the shim that serves it
    const tasks = containerd.ctr(['tasks', 'ls']).stdout;
    const parentOf = (id: string) => parentPid(Number(new RegExp(`${id}\\s+(\\d+)\\s+RUNNING`).exec(tasks)![1]));
    expect([parentOf('ns-a'), parentOf('ns-b'), parentOf('ns-own')]).toEqual([shared[0], shared[0], own[0]]);

    for (const id of ['ns-a', 'ns-b', 'ns-own']) {
      expect(containerd.ctr(['tasks', 'kill', '-s', 'KILL', id]).status).toBe(0);
      await waitFor(() => new RegExp(`${id}\\s+\\d+\\s+STOPPED`).test(containerd.ctr(['tasks', 'ls']).stdout));
      expect(containerd.ctr(['tasks', 'delete', id]).status).toBe(0);
      expect(containerd.ctr(['containers', 'delete', id]).status).toBe(0);
    }
    await waitFor(() => containerd.shimPids().length === 0);
  });

  it('refuses a bad runts runtime config with one clear error and leaves nothing behind', async () => {
    const config = path.join(containerd.dir, 'runts-bad.toml');
    fs.writeFileSync(config, 'shim_group = "cluster"\n');
    const result = containerd.ctr(['run', '--rm', ...RUNTIME, '--runtime-config-path', config, IMAGE, 'badconfig', 'true']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`runtime config ${config}: shim_group "cluster" is not supported (want "namespace")`);
    await waitFor(() => containerd.shimPids().length === 0);
  });

  // The runtime-binary backends would need a --console-socket listener: terminals are in-process only.
  const itWithTerminal = runtimeBinary ? it.skip : it;
  const itWithoutTerminal = runtimeBinary ? it : it.skip;

  itWithoutTerminal('refuses ctr run -t with one clear error and leaves nothing behind', async () => {
    const out = inPty(containerd, `ctr ${ctrGlobal(containerd)} run --rm -t ${RUNTIME.join(' ')} ${IMAGE} notty sh; echo status=$?`);
    expect(out).toContain('terminal (console socket) is not supported by the runtime-binary backend');
    expect(out).toMatch(/status=1/);
    await waitFor(() => containerd.shimPids().length === 0);
  });

  itWithTerminal('runs ctr run -t through a pty whose size follows ResizePty', () => {
    // ctr sends its own terminal's size (set here with stty) as ResizePty right after Start
    const out = inPty(containerd, `stty rows 33 cols 101; ctr ${ctrGlobal(containerd)} run --rm -t ${RUNTIME.join(' ')} ${IMAGE} tty1 sh -c 'sleep 0.5; stty size; tty; exit 6'; echo status=$?`);
    expect(out).toMatch(/^33 101\r?\r\n\/dev\/pts\/0\r?\r\nstatus=6\r?\n$/);
  });

  itWithTerminal('runs tasks exec -t through a pty, with input typed into it', async () => {
    expect(containerd.ctr(['run', '-d', ...RUNTIME, IMAGE, 'ttyhost', 'sleep', '300']).status).toBe(0);
    const sized = inPty(containerd, `stty rows 20 cols 70; ctr ${ctrGlobal(containerd)} tasks exec -t --exec-id s1 ttyhost sh -c 'sleep 0.5; stty size'; echo status=$?`);
    expect(sized).toMatch(/^20 70\r?\r\nstatus=0/);
    const typed = inPty(containerd, `ctr ${ctrGlobal(containerd)} tasks exec -t --exec-id s2 ttyhost sh; echo status=$?`, 'echo "typed $((6 * 7))"; exit 7\n');
    expect(typed).toContain('typed 42');
    expect(typed).toMatch(/status=7/);
  });

  it('reports a failed create the way runc shims do and leaves nothing behind', async () => {
    const result = containerd.ctr(['run', '--rm', ...RUNTIME, IMAGE, 'broken', '/no/such/binary']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/OCI runtime create failed: .*no\/such\/binary/);
    await waitFor(() => containerd.shimPids().length === 0);
  });
});

const ctrGlobal = (containerd: PrivateContainerd) => `-a ${containerd.socket} -n ${containerd.namespace}`;

/** Runs a shell command line under script(1)'s pty (stdin held open by sleep, after input). */
function inPty(containerd: PrivateContainerd, command: string, input = ''): string {
  const feed = input ? `(printf '%s' '${input.replace(/'/g, "'\\''")}'; sleep 3)` : 'sleep 3';
  const r = spawnSync('sh', ['-c', `${feed} | script -qec "$0" /dev/null`, command], { encoding: 'utf8', timeout: 30000 });
  if (r.error) throw r.error;
  return r.stdout;
}

function parentPid(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** A process's /proc/PID/cgroup ('' once it is gone). */
function cgroupOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return '';
  }
}

/** The children of a process, with their state letter (Z: a zombie nobody reaped). */
function childrenOf(parent: number): Array<{ pid: number; state: string }> {
  const children: Array<{ pid: number; state: string }> = [];
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === parent) children.push({ pid: Number(entry), state });
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

async function waitFor(condition: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
