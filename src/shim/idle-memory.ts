// A shim lives for hours and works for milliseconds: 1 s after its last request it hands back
// what start-up and the last requests touched and an idle shim does not need
// (native.releaseIdleMemory: malloc's free pages, the mappings of Node's code; those pages stay
// in the page cache and are mapped again, by minor faults, when a request runs that code). The
// first time, it also moves Node's private copy of the startup snapshot to the page cache
// (native.mapSnapshotCopy, through a copy file beside the blob that all shims share).
import * as path from 'path';
import * as native from '../native';
import { IdleRelease } from '../foundation/idle-release';
import { debug } from './log';

const IDLE_MS = 1000;

/** Started: the first release comes 1 s after start-up unless a request comes first. */
export function shimIdleMemoryRelease(): IdleRelease {
  let snapshotBlob = startupSnapshotBlob();
  const idle = new IdleRelease({ firstMs: IDLE_MS, laterMs: IDLE_MS }, () => {
    if (snapshotBlob) {
      debug(`idle: ${native.mapSnapshotCopy(snapshotBlob, snapshotCopyOf(snapshotBlob))} kB of the startup snapshot's copy moved to the page cache`);
      snapshotBlob = undefined;
    }
    native.releaseIdleMemory();
    debug('idle: code mappings and free malloc pages released as the loop sleeps');
  });
  idle.busy();
  return idle;
}

/** Where the bytes of Node's in-memory copy of a snapshot are kept (scripts/build-snapshots.js removes it with the blob). */
const snapshotCopyOf = (blob: string) => `${blob}.mapped`;

/** The startup snapshot this process started from (node --snapshot-blob FILE), if any. */
function startupSnapshotBlob(): string | undefined {
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--snapshot-blob' && args[i + 1]) return path.resolve(args[i + 1]);
    if (args[i].startsWith('--snapshot-blob=')) return path.resolve(args[i].slice('--snapshot-blob='.length));
  }
  return undefined;
}
