// esbuild plugin for runtsd's bundle: lmdb and msgpackr-extract find their native addon through
// node-gyp-build-optional-packages, which on every start reads their package.json, detects the
// libc (detect-libc, which loads child_process) and lists prebuild directories. In the bundle
// each loads the file that loader picks for it when the bundle is built, asked of the pinned Node
// that runs runtsd (the pick depends on the runtime's ABI); a file that no longer loads falls
// back to the search. The loader's environment overrides (<PACKAGE>_PREBUILD, PREBUILDS_ONLY,
// LIBC) are read when the bundle is built.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const LOADER = 'node-gyp-build-optional-packages';
const NAMESPACE = 'prebuilt-addons';

/** The directory of the package a file belongs to. */
function packageDir(file) {
  let dir = path.dirname(file);
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${file}`);
    dir = path.dirname(dir);
  }
  return dir;
}

/** The addon file the loader picks for a package directory, under the Node that runs runtsd. */
function addonFile(root, dir) {
  const loader = require.resolve(LOADER, { paths: [dir] });
  const script = `console.log(require(${JSON.stringify(loader)}).path(${JSON.stringify(dir)}))`;
  return execFileSync(path.join(root, 'node_modules', '.bin', 'node'), ['-e', script], { encoding: 'utf8' }).trim();
}

/** The loader's stand-in for one package: its addon file found at build time, else the loader. */
const standIn = (dir, file) => `const path = require('path');
module.exports = (dir) => {
  if (path.resolve(dir) === ${JSON.stringify(dir)}) {
    try {
      return require(${JSON.stringify(file)});
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND' && err.code !== 'ERR_DLOPEN_FAILED') throw err;
    }
  }
  return require(${JSON.stringify(LOADER)})(dir);
};
`;

const prebuiltAddons = (root) => ({
  name: 'prebuilt-addons',
  setup(build) {
    // the stand-in's own requires (the addon file, the loader) load at run time
    build.onResolve({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ path: args.path, external: true }));
    build.onResolve({ filter: new RegExp(`^${LOADER}$`) }, (args) => ({ path: packageDir(args.importer), namespace: NAMESPACE }));
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      contents: standIn(args.path, addonFile(root, args.path)),
      loader: 'js',
      resolveDir: args.path,
    }));
  },
});

module.exports = { prebuiltAddons };
