// Loads a built file (the addon, the generated validators) by absolute path when the program
// runs. A V8 startup snapshot's own require() only loads Node's built-in modules, so the file is
// required through a require made for it.
export function requireFile(file: string): unknown {
  const { createRequire } = require('module') as typeof import('module');
  return createRequire(file)(file);
}
