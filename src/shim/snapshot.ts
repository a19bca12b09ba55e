// The shim's startup-snapshot entry (bundled and snapshotted by scripts/build-snapshots.js):
// every module of start, serve (the task service, its .proto descriptors) and delete is loaded
// while the snapshot is built; the command line is read when a shim starts from it (the
// launcher: node --snapshot-blob containerd-shim-runts-v2.blob -- ARGS).
import { startupSnapshot } from 'v8';
import { protoSet } from '../foundation/protos/loader';
import { runShim } from './main';

require('./start');
require('./serve');
require('./delete');
// the .proto descriptors of its task API and ttrpc (loaded on first use otherwise)
for (const set of ['shim', 'ttrpc'] as const) protoSet(set);

startupSnapshot.setDeserializeMainFunction(() => runShim(process.argv.slice(1), 'started from the startup snapshot'));
