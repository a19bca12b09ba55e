// The shim's startup-snapshot entry (bundled and snapshotted by scripts/build-snapshots.js):
// every module of start, serve (the task service, its .proto descriptors) and delete is loaded
// while the snapshot is built; the command line is read when a shim starts from it (the
// launcher: node --snapshot-blob containerd-shim-runts-v2.blob -- ARGS).
import { startupSnapshot } from 'v8';
import { runShim } from './main';

require('./start');
require('./serve');
require('./delete');

startupSnapshot.setDeserializeMainFunction(() => runShim(process.argv.slice(1), 'started from the startup snapshot'));
