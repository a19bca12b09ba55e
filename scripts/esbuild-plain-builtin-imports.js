// esbuild plugin shared by the bundling scripts. TypeScript compiles `import * as fs from 'fs'` to
// __importStar(require("fs")): a copy of the module with a getter per export (~100 for fs; the
// first copy in a process costs ~1 ms, the next ones 0.1-0.4 ms, and runtsd's modules make ~100
// at start). For Node's built-in modules, which have no default export of their own, the module
// itself reads the same, so the bundles take it as it is. Each of dist/'s modules also keeps its
// own __dirname (esbuild-own-dirname.js).
'use strict';
const fs = require('fs');
const { builtinModules } = require('module');
const { withOwnDirname } = require('./esbuild-own-dirname');

const BUILTIN_IMPORTED_WHOLE = new RegExp(`__importStar\\(require\\("(${builtinModules.join('|')})"\\)\\)`, 'g');

const plainBuiltinImports = {
  name: 'plain-builtin-imports',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => ({
      contents: withOwnDirname(fs.readFileSync(args.path, 'utf8').replace(BUILTIN_IMPORTED_WHOLE, 'require("$1")'), args.path),
      loader: 'js',
    }));
  },
};

module.exports = { plainBuiltinImports };
