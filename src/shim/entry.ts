// The shim started by plain module loading (the launcher, addon/launcher, runs this when there
// is no fresh startup snapshot and says why in RUNTS_STARTUP_NOTE, which is not passed on).
import { runShim } from './main';

const note = process.env.RUNTS_STARTUP_NOTE ?? 'loading modules';
delete process.env.RUNTS_STARTUP_NOTE;
runShim(process.argv.slice(2), note);
