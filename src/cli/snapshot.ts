// runts' startup-snapshot entry (bundled and snapshotted by scripts/build-snapshots.js). While
// the snapshot is built it loads yargs, every command and the modules they load on first use;
// the program reads its command line only when it starts from the snapshot
// (bin/runts: node --snapshot-blob runts.blob -- ARGS).
import { startupSnapshot } from 'v8';
import { commandsFor } from './commands-table';
import { compileParser, runProgram } from './program';

commandsFor(undefined);
require('yargs');
require('../runtime/rootless');
require('../runtime/state-store');
compileParser();

startupSnapshot.setDeserializeMainFunction(() => {
  void runProgram(process.argv.slice(1), 'started from the startup snapshot');
});
