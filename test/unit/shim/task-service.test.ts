import { TaskService } from '../../../src/shim/task-service';
import { CreateRequest, ExecRequest, TaskRuntime } from '../../../src/shim/task-runtime';
import { EventPublisher } from '../../../src/shim/events';
import { ProcessStatus } from '../../../src/foundation/protos/shim';
import { RuntsError } from '../../../src/foundation/errors';
import { statusOf, Code } from '../../../src/foundation/ttrpc/status';

/** A runtime that records calls and hands out pids; exits are triggered by the test. */
class FakeRuntime implements TaskRuntime {
  calls: string[] = [];
  failCreate: string | undefined;
  duringStart: (() => Promise<void>) | undefined;
  private nextPid = 100;
  async create(r: CreateRequest) {
    this.calls.push(`create ${r.id}`);
    if (this.failCreate) throw new RuntsError(`OCI runtime create failed: ${this.failCreate}`);
    return { pid: this.nextPid++ };
  }
  async start(id: string) {
    this.calls.push(`start ${id}`);
    await this.duringStart?.();
  }
  async exec(r: ExecRequest) {
    this.calls.push(`exec ${r.id} ${r.execId} ${JSON.stringify(r.process.args)}`);
    return { pid: this.nextPid++ };
  }
  async kill(id: string, _b: string, signal: number, all: boolean) {
    this.calls.push(`kill ${id} ${signal}${all ? ' all' : ''}`);
  }
  async delete(id: string, _b: string, force: boolean) {
    this.calls.push(`delete ${id}${force ? ' force' : ''}`);
  }
  async pause(id: string) {
    this.calls.push(`pause ${id}`);
  }
  async resume(id: string) {
    this.calls.push(`resume ${id}`);
  }
  async update(id: string) {
    this.calls.push(`update ${id}`);
  }
  async pids() {
    return [100, 101];
  }
}

describe('task service state transitions', () => {
  let runtime: FakeRuntime;
  let events: Array<[string, Record<string, unknown>]>;
  let exits: Map<number, (status: number) => void>;
  let shutdowns: number;
  let service: TaskService;

  const create = (id: string) => service.create({ id, bundle: `/b/${id}`, rootfs: [], terminal: false, stdin: '', stdout: '', stderr: '', checkpoint: '', options: null });
  const exit = async (pid: number, status: number) => {
    exits.get(pid)!(status);
    await new Promise((r) => setImmediate(r));
  };
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return statusOf(err).code;
    }
    return Code.OK;
  };

  beforeEach(() => {
    runtime = new FakeRuntime();
    events = [];
    exits = new Map();
    shutdowns = 0;
    const publisher: EventPublisher = { publish: (topic, _name, e) => void events.push([topic, e]), flush: async () => {} };
    service = new TaskService({
      namespace: 'ns',
      runtimeFor: () => runtime,
      events: publisher,
      waitForExit: (pid) => new Promise((resolve) => exits.set(pid, resolve)),
      onShutdown: () => shutdowns++,
    });
  });

  it('runs create -> start -> exit -> delete and publishes each step', async () => {
    expect(await create('c1')).toEqual({ pid: 100 });
    expect((await service.state({ id: 'c1', execId: '' })).status).toBe(ProcessStatus.CREATED);
    expect(await service.start({ id: 'c1', execId: '' })).toEqual({ pid: 100 });
    expect((await service.state({ id: 'c1', execId: '' })).status).toBe(ProcessStatus.RUNNING);
    const waited = service.wait({ id: 'c1', execId: '' });
    await exit(100, 7);
    expect((await waited).exitStatus).toBe(7);
    const state = await service.state({ id: 'c1', execId: '' });
    expect([state.status, state.exitStatus]).toEqual([ProcessStatus.STOPPED, 7]);
    const deleted = await service.delete({ id: 'c1', execId: '' });
    expect([deleted.pid, deleted.exitStatus]).toEqual([100, 7]);
    expect(events.map(([t]) => t)).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    expect(runtime.calls).toEqual(['create c1', 'start c1', 'delete c1']);
    expect(await codeOf(service.state({ id: 'c1', execId: '' }))).toBe(Code.NOT_FOUND);
  });

  it('keeps an exit that happens before Wait is called', async () => {
    await create('c1');
    await service.start({ id: 'c1', execId: '' });
    await exit(100, 0);
    expect((await service.wait({ id: 'c1', execId: '' })).exitStatus).toBe(0);
  });

  it('reports an exit that happens while Start runs after TaskStart', async () => {
    await create('c1');
    runtime.duringStart = () => exit(100, 0);
    await service.start({ id: 'c1', execId: '' });
    expect((await service.wait({ id: 'c1', execId: '' })).exitStatus).toBe(0);
    expect(events.map(([t]) => t)).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit']);
  });

  it('refuses transitions that are not allowed', async () => {
    await create('c1');
    expect(await codeOf(create('c1'))).toBe(Code.ALREADY_EXISTS);
    expect(await codeOf(service.pause({ id: 'c1' }))).toBe(Code.FAILED_PRECONDITION);
    await service.start({ id: 'c1', execId: '' });
    expect(await codeOf(service.start({ id: 'c1', execId: '' }))).toBe(Code.FAILED_PRECONDITION);
    expect(await codeOf(service.delete({ id: 'c1', execId: '' }))).toBe(Code.FAILED_PRECONDITION);
    await service.pause({ id: 'c1' });
    expect((await service.state({ id: 'c1', execId: '' })).status).toBe(ProcessStatus.PAUSED);
    expect(await codeOf(service.pause({ id: 'c1' }))).toBe(Code.FAILED_PRECONDITION);
    await service.resume({ id: 'c1' });
    await exit(100, 137);
    expect(await codeOf(service.kill({ id: 'c1', execId: '', signal: 9, all: false }))).toBe(Code.NOT_FOUND);
    expect(await codeOf(service.checkpoint({ id: 'c1' }))).toBe(Code.UNIMPLEMENTED);
  });

  it('force-deletes a container that was created but never started', async () => {
    await create('c1');
    const deleted = await service.delete({ id: 'c1', execId: '' });
    expect(deleted.exitStatus).toBe(137);
    expect(runtime.calls).toEqual(['create c1', 'delete c1 force']);
  });

  it('turns a failed create into Unknown and keeps no record', async () => {
    runtime.failCreate = 'exec: "nope": executable file not found';
    const err = await create('c1').catch((e: unknown) => e);
    expect(statusOf(err)).toEqual({ code: Code.UNKNOWN, message: 'OCI runtime create failed: exec: "nope": executable file not found' });
    expect(await codeOf(service.state({ id: 'c1', execId: '' }))).toBe(Code.NOT_FOUND);
    await service.shutdown({ id: 'c1', now: false });
    expect(shutdowns).toBe(1);
  });

  it('runs execs through their own lifecycle', async () => {
    await create('c1');
    expect(await codeOf(service.exec({ id: 'c1', execId: 'e1', terminal: false, stdin: '', stdout: '', stderr: '', spec: { type_url: 'x', value: Buffer.from('{"args":["ls"]}') } }))).toBe(Code.FAILED_PRECONDITION);
    await service.start({ id: 'c1', execId: '' });
    await service.exec({ id: 'c1', execId: 'e1', terminal: false, stdin: '', stdout: '', stderr: '', spec: { type_url: 'x', value: Buffer.from('{"args":["ls"]}') } });
    expect((await service.state({ id: 'c1', execId: 'e1' })).status).toBe(ProcessStatus.CREATED);
    expect(await service.start({ id: 'c1', execId: 'e1' })).toEqual({ pid: 101 });
    const pids = await service.pids({ id: 'c1' });
    expect(pids.processes[0]).toEqual({ pid: 100 });
    expect(pids.processes[1].pid).toBe(101);
    expect(pids.processes[1].info.type_url).toBe('containerd.runc.v1.ProcessDetails');
    expect(await codeOf(service.delete({ id: 'c1', execId: 'e1' }))).toBe(Code.FAILED_PRECONDITION);
    await exit(101, 2);
    expect((await service.wait({ id: 'c1', execId: 'e1' })).exitStatus).toBe(2);
    expect((await service.delete({ id: 'c1', execId: 'e1' })).exitStatus).toBe(2);
    expect(await codeOf(service.state({ id: 'c1', execId: 'e1' }))).toBe(Code.NOT_FOUND);
    expect(events.map(([t]) => t)).toEqual(['/tasks/create', '/tasks/start', '/tasks/exec-added', '/tasks/exec-started', '/tasks/exit']);
    expect(events[4][1]).toMatchObject({ containerId: 'c1', id: 'e1', pid: 101, exitStatus: 2 });
    expect(runtime.calls).toContain('exec c1 e1 ["ls"]');
  });

  it('keeps serving while containers remain unless told now', async () => {
    await create('c1');
    await service.shutdown({ id: 'c1', now: false });
    expect(shutdowns).toBe(0);
    await service.shutdown({ id: 'c1', now: true });
    expect(shutdowns).toBe(1);
  });
});
