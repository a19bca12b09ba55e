// Writes one light command's code cache (see code-cache.ts): runs its command lines once from the
// bundle, against a state root holding one stopped container's record, then saves what V8
// compiled. Run by scripts/build-snapshots.js with the pinned Node, once per light command:
// node code-cache-build.js BUNDLE CACHE COMMAND
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

// The command lines bin/runts starts from each code cache, as engines call them (`--log FILE
// --log-format json`, LOG below) and as people do, succeeding and failing.
const LOG = '--log=LOG';
const WARM_UP: Record<string, string[][]> = {
  list: [['list'], ['list', '--format', 'json'], ['list', '-q'], ['--debug', '--log-format', 'json', 'list']],
  ls: [['ls'], ['ls', '--format', 'json'], ['ls', '-q']],
  state: [['state', 'stopped'], [LOG, '--log-format', 'json', 'state', 'stopped'], ['state', 'missing'], [LOG, '--log-format', 'json', 'state', 'missing']],
  kill: [['kill', 'stopped', 'KILL'], [LOG, '--log-format', 'json', 'kill', 'stopped', '9'], [LOG, '--log-format', 'json', 'kill', '--all', 'missing', 'KILL']],
  start: [['start', 'stopped'], [LOG, '--log-format', 'json', 'start', 'stopped'], [LOG, '--log-format', 'json', 'start', 'missing']],
  delete: [['delete', '--force', 'missing'], [LOG, '--log-format', 'json', 'delete', '--force', 'missing'], ['delete', 'missing']],
  pause: [['pause', 'missing'], [LOG, '--log-format', 'json', 'pause', 'missing']],
  resume: [['resume', 'missing'], [LOG, '--log-format', 'json', 'resume', 'missing']],
  ps: [['ps', '--format', 'json', 'missing'], ['ps', 'missing']],
  events: [['events', '--stats', 'missing'], [LOG, '--log-format', 'json', 'events', '--stats', 'missing']],
};

async function main([bundle, cache, command]: string[]): Promise<void> {
  const lines = WARM_UP[command];
  if (!lines) throw new Error(`no command lines to warm the code cache of ${command} up with`);
  const { program, script } = loadBundledProgram(bundle);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-code-cache-'));
  try {
    fs.mkdirSync(path.join(root, STOPPED.id));
    fs.writeFileSync(path.join(root, STOPPED.id, 'state.json'), JSON.stringify(STOPPED));
    for (const args of lines) {
      await program.runProgram(['--root', root, ...args.map((a) => a.replace('LOG', path.join(root, 'log.json')))]);
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
