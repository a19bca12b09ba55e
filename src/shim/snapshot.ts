// The shim's startup-snapshot entry (bundled and snapshotted by scripts/build-snapshots.js):
// every module of start, serve (the task service, its .proto descriptors), delete and standby is loaded
// while the snapshot is built; the command line is read when a shim starts from it (the
// launcher: node --snapshot-blob containerd-shim-runts-v2.blob -- ARGS).
import { startupSnapshot } from 'v8';
import { generateCodecs } from '../foundation/protos/loader';
import { useBundledValidators } from '../runtime/validate/generated';
import { defaultSpec } from '../runtime/default-spec';
import { validateConfig } from '../runtime/validate';
import { runShim } from './main';
import { warmUsualCodecs } from './warm-codecs';

require('./start');
require('./serve');
require('./delete');
require('./standby');
// net's listen() loads cluster (which loads child_process and dgram) on a new shim's first listen
require('cluster');
// the .proto descriptors of its task API and ttrpc with their codecs generated (on first use otherwise)
for (const set of ['shim', 'ttrpc'] as const) generateCodecs(set);
warmUsualCodecs();
// The generated validators (built before the snapshot) are bundled from dist/ and run once, so
// the snapshot holds them compiled (a create would otherwise load them from disk).
useBundledValidators(require('../runtime/validate/generated/validators.js'));
validateConfig(defaultSpec());

startupSnapshot.setDeserializeMainFunction(() => runShim(process.argv.slice(1), 'started from the startup snapshot'));
