// Layers applied on worker threads: creating thousands of files is CPU time in the kernel, and
// done on the daemon's main thread it stalls every other request (a pull's downloads, content
// writes) for the whole unpack. containerd gets the same overlap from goroutines. A few workers
// are kept (unref'd, so they never hold the process); from TypeScript sources (tests) there is
// no compiled worker script and the layer is applied in this thread.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { RuntsError } from '../foundation/errors';
import { Mount } from '../mount';
import { ApplyResult, WhiteoutMode } from './apply';
import { MountApplyOptions } from './apply-mounts';
import { ApplyJob, runJob } from './apply-job';

const WORKERS = 2;
const SCRIPT = path.join(__dirname, 'apply-worker-main.js');

interface Pending {
  resolve(result: ApplyResult): void;
  reject(err: Error): void;
}

class ApplyPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();
  private readonly queue: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private spawn(): Worker {
    const worker = new Worker(SCRIPT);
    worker.unref();
    worker.on('message', (m: { id: number; result?: ApplyResult; error?: { message: string; kind: RuntsError['kind']; errno?: string } }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.release(worker);
      if (m.error) p?.reject(new RuntsError(m.error.message, m.error.kind, m.error.errno));
      else p?.resolve(m.result!);
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new RuntsError(`layer apply worker exited with code ${code}`)));
    return worker;
  }

  /** A worker died: its job fails, the pool makes a new one when needed. */
  private fail(worker: Worker, err: Error): void {
    if (!this.busy.delete(worker)) return;
    const job = [...this.pending].find(([, p]) => (p as Pending & { worker?: Worker }).worker === worker);
    if (job) {
      this.pending.delete(job[0]);
      job[1].reject(err);
    }
    this.queue.shift()?.();
  }

  private release(worker: Worker): void {
    this.busy.delete(worker);
    this.idle.push(worker);
    this.queue.shift()?.();
  }

  private async acquire(): Promise<Worker> {
    for (;;) {
      const worker = this.idle.pop() ?? (this.busy.size < WORKERS ? this.spawn() : undefined);
      if (worker) {
        this.busy.add(worker);
        return worker;
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
  }

  async apply(job: Omit<ApplyJob, 'id'>): Promise<ApplyResult> {
    const worker = await this.acquire();
    const id = this.nextId++;
    return new Promise<ApplyResult>((resolve, reject) => {
      this.pending.set(id, Object.assign({ resolve, reject }, { worker }));
      worker.postMessage({ ...job, id });
    });
  }
}

let pool: ApplyPool | undefined;

function apply(job: Omit<ApplyJob, 'id'>): Promise<ApplyResult> {
  if (!fs.existsSync(SCRIPT)) return runJob(job, fs.createReadStream(job.blobPath, { highWaterMark: 1 << 20 }));
  pool ??= new ApplyPool();
  return pool.apply(job);
}

/** Applies the layer stored at blobPath (a content store blob) onto the mounts. */
export function applyBlobToMounts(mounts: Mount[], blobPath: string, options: MountApplyOptions = {}): Promise<ApplyResult> {
  return apply({ target: { mounts }, blobPath, options });
}

/** Applies the layer stored at blobPath into a directory of its own (see adoptLowerMetadata). */
export function applyBlobToDirectory(directory: string, whiteouts: WhiteoutMode, blobPath: string, options: MountApplyOptions = {}): Promise<ApplyResult> {
  return apply({ target: { directory, whiteouts }, blobPath, options });
}
