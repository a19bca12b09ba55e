// esbuild plugin shared by the bundling scripts: a bundle has one __dirname; each module keeps
// its own, so the paths it builds from it (the addon, the generated validators, yargs' locales,
// .proto files, worker scripts) stay right.
'use strict';
const fs = require('fs');
const path = require('path');

const ownDirname = {
  name: 'own-dirname',
  setup(build) {
    build.onLoad({ filter: /\.c?js$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      const contents = source
        .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
        .replace(/\b__filename\b/g, JSON.stringify(args.path));
      return { contents, loader: 'js' };
    });
  },
};

module.exports = { ownDirname };
