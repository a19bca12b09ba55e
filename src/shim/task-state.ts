// One process the shim supervises (a container's init or an exec) and its state transitions:
// created -> running <-> paused -> stopped. The exit is recorded once, whenever it happens,
// so a Wait that comes late still sees it.
import { RuntsError } from '../foundation/errors';
import { ProcessStatus } from '../foundation/protos/shim';
import { ProcessStdio, StdioPaths } from './stdio';

export interface ExitRecord {
  status: number;
  at: Date;
}

export class SupervisedProcess {
  status = ProcessStatus.CREATED;
  pid = 0;
  stdio: ProcessStdio | undefined;
  exit: ExitRecord | undefined;
  private readonly exitWaiters: Array<(exit: ExitRecord) => void> = [];
  /** set while Start runs, so an exit during it is reported after TaskStart, never before */
  private startDone: Promise<void> | undefined;
  private finishStart: (() => void) | undefined;

  constructor(
    readonly containerId: string,
    /** '' for the container's init */
    readonly execId: string,
    readonly paths: StdioPaths,
    readonly terminal: boolean,
  ) {}

  get id(): string {
    return this.execId || this.containerId;
  }

  get label(): string {
    return this.execId ? `exec ${this.execId} of container ${this.containerId}` : `container ${this.containerId}`;
  }

  markStarted(pid: number): void {
    this.requireStatus('start', ProcessStatus.CREATED);
    this.pid = pid;
    this.status = ProcessStatus.RUNNING;
  }

  beginStart(): void {
    this.startDone = new Promise((resolve) => (this.finishStart = resolve));
  }

  endStart(): void {
    this.finishStart?.();
    this.startDone = this.finishStart = undefined;
  }

  /** Resolves when no Start is in flight. */
  whenStarted(): Promise<void> | undefined {
    return this.startDone;
  }

  markPaused(): void {
    this.requireStatus('pause', ProcessStatus.RUNNING);
    this.status = ProcessStatus.PAUSED;
  }

  markResumed(): void {
    this.requireStatus('resume', ProcessStatus.PAUSED);
    this.status = ProcessStatus.RUNNING;
  }

  /** Records the exit (first report wins) and wakes every waiter. */
  markExited(status: number, at = new Date()): void {
    if (this.exit) return;
    this.exit = { status, at };
    this.status = ProcessStatus.STOPPED;
    for (const wake of this.exitWaiters.splice(0)) wake(this.exit);
  }

  waitExit(): Promise<ExitRecord> {
    if (this.exit) return Promise.resolve(this.exit);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  requireStatus(action: string, ...allowed: ProcessStatus[]): void {
    if (!allowed.includes(this.status)) {
      throw new RuntsError(`cannot ${action} ${this.label}: it is ${ProcessStatus[this.status].toLowerCase()}`, 'state');
    }
  }
}
