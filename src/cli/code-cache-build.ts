// Writes the light commands' code cache (see code-cache.ts): runs each of them once from the
// bundle, against a state root holding one stopped container's record, then saves what V8
// compiled. Run by scripts/build-snapshots.js with the pinned Node:
// node code-cache-build.js BUNDLE CACHE
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ContainerRecord } from '../runtime/state-store';
import { loadBundledProgram } from './code-cache';

// A container whose init is gone (pid 0 is never alive): state and list print it, the others
// refuse it, and nothing outside the root is touched.
const STOPPED: ContainerRecord = {
  ociVersion: '1.3.0', id: 'stopped', pid: 0, initStartTime: '', bundle: '/nonexistent', rootfs: '/nonexistent/rootfs',
  created: new Date(0).toISOString(), owner: '', annotations: {}, cgroupsPath: '', config: { ociVersion: '1.3.0' },
};

// The command lines bin/runts starts from the code cache, as engines call them.
const WARM_UP = [
  ['--debug', '--log-format', 'json', 'list'],
  ['list', '--format', 'json'],
  ['state', 'stopped'],
  ['kill', 'stopped', 'KILL'],
  ['start', 'stopped'],
  ['state', 'missing'],
  ['delete', '--force', 'missing'],
  ['pause', 'missing'],
  ['resume', 'missing'],
  ['ps', '--format', 'json', 'missing'],
  ['events', '--stats', 'missing'],
];

async function main([bundle, cache]: string[]): Promise<void> {
  const { program, script } = loadBundledProgram(bundle);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-code-cache-'));
  try {
    fs.mkdirSync(path.join(root, STOPPED.id));
    fs.writeFileSync(path.join(root, STOPPED.id, 'state.json'), JSON.stringify(STOPPED));
    for (const args of WARM_UP) {
      await program.runProgram(['--root', root, ...args]);
      // each run asks to exit once nothing is left to do: that is for after the cache is written
      process.removeAllListeners('beforeExit');
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.exitCode = 0;
  fs.writeFileSync(cache, script.createCachedData());
}

void main(process.argv.slice(2));
