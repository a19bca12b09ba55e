// esbuild plugin shared by the bundling scripts: a bundle has one __dirname; each module keeps
// its own, so the paths it builds from it (the addon, the generated validators, yargs' locales,
// .proto files, worker scripts) stay right.
'use strict';
const fs = require('fs');
const path = require('path');

/** A module's source with its own __dirname and __filename written in. */
const withOwnDirname = (source, file) => source
  .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(file)))
  .replace(/\b__filename\b/g, JSON.stringify(file));

const ownDirname = {
  name: 'own-dirname',
  setup(build) {
    build.onLoad({ filter: /\.c?js$/ }, (args) => ({ contents: withOwnDirname(fs.readFileSync(args.path, 'utf8'), args.path), loader: 'js' }));
  },
};

module.exports = { ownDirname, withOwnDirname };
