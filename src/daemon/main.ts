// runtsd loaded from its bundle or modules (bin/runtsd); snapshot.ts when started from its
// startup snapshot.
import { runDaemon } from './program';

// bin/runtsd says whether it loaded the bundle or the modules; not passed on to shims
const startupNote = process.env.RUNTS_STARTUP_NOTE;
delete process.env.RUNTS_STARTUP_NOTE;

runDaemon(process.argv.slice(2), startupNote);
