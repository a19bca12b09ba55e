// Drives the real runts CLI with a private --root; reset() force-deletes whatever a test left.
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RUNTS } from './bundle';

/** The runtime the tests drive: runts, or another (RUNTIME_UNDER_TEST=/usr/sbin/runc) to check
 * that a compatibility test describes what runc does too. */
export const RUNTIME = process.env.RUNTIME_UNDER_TEST || RUNTS;

let counter = 0;
/** Unique container ids: the default cgroup path is /<id>, shared by all test processes. */
export const uniqueId = (name: string) => `runts-test-${name}-${process.pid}-${++counter}`;

export class Runts {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-root-'));

  /** Runs runts with stdio on files, never pipes a created container could hold open. */
  run(args: string[], opts: { input?: string; timeout?: number } = {}): { status: number; stdout: string; stderr: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-out-'));
    const out = path.join(dir, 'out');
    const err = path.join(dir, 'err');
    const outFd = fs.openSync(out, 'w');
    const errFd = fs.openSync(err, 'w');
    let inFd: number | 'ignore' = 'ignore';
    if (opts.input !== undefined) {
      fs.writeFileSync(path.join(dir, 'in'), opts.input);
      inFd = fs.openSync(path.join(dir, 'in'), 'r');
    }
    let r: SpawnSyncReturns<Buffer>;
    try {
      r = spawnSync(RUNTIME, ['--root', this.root, ...args], { stdio: [inFd, outFd, errFd], timeout: opts.timeout ?? 20000 });
    } finally {
      fs.closeSync(outFd);
      fs.closeSync(errFd);
      if (typeof inFd === 'number') fs.closeSync(inFd);
    }
    const result = { status: r.status ?? -1, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
    fs.rmSync(dir, { recursive: true, force: true });
    return result;
  }

  ok(args: string[], opts?: { input?: string; timeout?: number }): string {
    const r = this.run(args, opts);
    if (r.status !== 0) throw new Error(`runts ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  state(id: string): any {
    return JSON.parse(this.ok(['state', id]));
  }

  /** Force-deletes every container under this root and removes the root. */
  reset(): void {
    for (const id of fs.existsSync(this.root) ? fs.readdirSync(this.root) : []) this.run(['delete', '--force', id]);
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
