// How this shim process started (from its startup snapshot, or loading modules and why), for
// the debug log of the shim that serves.
let note = '';
export const setStartupNote = (text: string) => (note = text);
export const startupNote = () => note;
