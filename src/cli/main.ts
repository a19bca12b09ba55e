// runts started by plain module loading (bin/runts when there is no fresh startup snapshot;
// bin/runts then says why in RUNTS_STARTUP_NOTE, logged with --debug and not passed on).
import { runProgram } from './program';

const startupNote = process.env.RUNTS_STARTUP_NOTE;
delete process.env.RUNTS_STARTUP_NOTE;
void runProgram(process.argv.slice(2), startupNote);
