// The light commands' startup-snapshot entry (bin/runts starts state, list, kill, start, delete,
// pause, resume, ps and events from it; scripts/build-snapshots.js bundles it without the heavy
// commands, which load from dist/ if ever asked, and snapshots it as dist/snapshot/runts-light.blob).
// While the snapshot is built the program runs those commands' usual lines once, against a root
// holding one stopped container's record, so the blob holds what they run (yargs, the parser, the
// state store) loaded, initialised and compiled, and a start deserialises it instead of compiling
// anything. The lines are ones that never load the addon: a snapshot cannot hold its handle.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startupSnapshot } from 'v8';
import type { ContainerRecord } from '../runtime/state-store';
import { runProgram } from './program';
import { runStartedProgram } from './standby';

// A container whose init is gone (pid 0 is never alive): state and list print it, and nothing
// outside the root is touched.
const STOPPED: ContainerRecord = {
  ociVersion: '1.3.0', id: 'stopped', pid: 0, initStartTime: '', bundle: '/nonexistent', rootfs: '/nonexistent/rootfs',
  created: new Date(0).toISOString(), owner: '', annotations: {}, cgroupsPath: '', config: { ociVersion: '1.3.0' },
};

// As engines call runts (`--log FILE --log-format json`, LOG below) and as people do, succeeding
// and failing; kill and start on a container that exists would lock its state (the addon). Not
// ps: it loads child_process, whose modules made the blob 0.3 MB bigger and every other light
// command's start ~1 ms slower (ps itself then ran ~6 ms faster).
const LOG = '--log=LOG';
const WARM_UP: string[][] = [
  ['list'], ['list', '--format', 'json'], ['ls', '-q'], ['--debug', '--log-format', 'json', 'list'],
  ['state', 'stopped'], [LOG, '--log-format', 'json', 'state', 'stopped'], ['state', 'missing'], [LOG, '--log-format', 'json', 'state', 'missing'],
  ['kill', 'missing', 'KILL'], [LOG, '--log-format', 'json', 'kill', 'missing', '9'], [LOG, '--log-format', 'json', 'kill', '--all', 'missing', 'KILL'],
  ['start', 'missing'], [LOG, '--log-format', 'json', 'start', 'missing'],
  ['delete', '--force', 'missing'], [LOG, '--log-format', 'json', 'delete', '--force', 'missing'], ['delete', 'missing'],
  [LOG, '--log-format', 'json', 'pause', 'missing'], [LOG, '--log-format', 'json', 'resume', 'missing'],
  [LOG, '--log-format', 'json', 'events', '--stats', 'missing'],
];

async function warmUp(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-light-snapshot-'));
  try {
    fs.mkdirSync(path.join(root, STOPPED.id));
    fs.writeFileSync(path.join(root, STOPPED.id, 'state.json'), JSON.stringify(STOPPED));
    for (const args of WARM_UP) {
      await runProgram(['--root', root, ...args.map((a) => a.replace('LOG', path.join(root, 'log.json')))]);
      // each run asks to exit once nothing is left to do, and the failing ones set an exit status:
      // both are for the runs from the snapshot
      process.removeAllListeners('beforeExit');
      process.exitCode = undefined;
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void warmUp();
startupSnapshot.setDeserializeMainFunction(() => runStartedProgram("started from the light commands' startup snapshot"));
