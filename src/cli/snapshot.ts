// runts' startup-snapshot entry (bundled and snapshotted by scripts/build-snapshots.js), for the
// commands the light snapshot does not start. While the snapshot is built it loads yargs, every
// command and the modules they load on first use; the program reads its command line only when it
// starts from the snapshot (bin/runts: node --snapshot-blob runts.blob -- ARGS). The blob is
// compiled whole, so what is loaded here is what each start deserialises: not ps (its
// child_process brings net, dgram and the streams), nor help's layout (rendered on demand).
import { startupSnapshot } from 'v8';
import { commandsFor } from './commands-table';
import { runStartedProgram } from './standby';
import { useBundledValidators } from '../runtime/validate/generated';
import { defaultSpec } from '../runtime/default-spec';
import { validateConfig } from '../runtime/validate';

commandsFor(undefined);
require('yargs/yargs');
require('../runtime/rootless');
require('../runtime/state-store');
// what the commands import when they run (plain loading pays only for its own command's)
require('../runtime/create');
require('../runtime/default-spec');
require('../runtime/delete');
require('../runtime/events');
require('../runtime/exec');
require('../runtime/features');
require('../runtime/kill');
require('../runtime/pause');
require('../runtime/run');
require('../runtime/start');
require('../runtime/status');
require('../runtime/update');
require('../runtime/validate');
// The generated validators (built before the snapshot) are bundled from dist/ and run once, so
// the snapshot holds them compiled.
useBundledValidators(require('../runtime/validate/generated/validators.js'));
validateConfig(defaultSpec());

startupSnapshot.setDeserializeMainFunction(() => runStartedProgram('started from the startup snapshot'));
