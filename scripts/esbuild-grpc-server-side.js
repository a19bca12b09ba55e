// esbuild plugin for runtsd's bundle: runtsd starts as a gRPC server, but grpc-js's index.js
// loads its client side too (channels, subchannels, load balancers, resolvers, the HTTP proxy
// and DNS support: 45 of its 64 modules), and so does its server, through channelz's and ORCA's
// client makers. In the bundle:
// - '@grpc/grpc-js' is a stand-in with index.js's exports, each a getter: the server's (Server,
//   ServerCredentials, Metadata, status, ...) from their own modules, every other one loading
//   index.js on first use (CRI's clients of runtsd's own services, ...);
// - channelz.js and orca.js load the client maker and what only it needs when a function of
//   theirs first uses it (their admin service and ORCA's out-of-band client, which runtsd does not use).
// The build fails if grpc-js no longer has the lines this rewrites.
'use strict';
const fs = require('fs');
const path = require('path');
const { withOwnDirname } = require('./esbuild-own-dirname');

const PACKAGE = '@grpc/grpc-js';
const NAMESPACE = 'grpc-server-side';

/** index.js's exports that the server side defines: name -> [module, its export]. */
const SERVER_SIDE = {
  Server: ['./server', 'Server'],
  ServerCredentials: ['./server-credentials', 'ServerCredentials'],
  Metadata: ['./metadata', 'Metadata'],
  status: ['./constants', 'Status'],
  logVerbosity: ['./constants', 'LogVerbosity'],
  propagate: ['./constants', 'Propagate'],
};

/** The requires made lazy: module file -> the modules it requires that only its client side uses. */
const LOADED_ON_USE = {
  'channelz.js': ['./admin', './make-client'],
  'orca.js': ['./make-client', './channel-credentials', './backoff-timeout'],
};

const binding = (file) => `${path.basename(file).replace(/-/g, '_')}_1`;

/** A module's source with the requires of LOADED_ON_USE made on first use of what they export. */
function withLazyRequires(source, file) {
  let result = source;
  for (const request of LOADED_ON_USE[path.basename(file)]) {
    const eager = `const ${binding(request)} = require("${request}");`;
    if (!result.includes(eager)) throw new Error(`${file}: no line \`${eager}\` to make lazy (grpc-js changed?)`);
    result = result.replace(eager, `const ${binding(request)} = new Proxy({}, { get: (_, name) => require("${request}")[name] });`);
  }
  return result;
}

/** The stand-in for index.js, its exports named as index.js names them. */
function standIn(exportNames) {
  const getters = exportNames.map((name) => {
    const [request, exported] = SERVER_SIDE[name] ?? ['./index.js', name];
    return `  ${JSON.stringify(name)}: () => require(${JSON.stringify(request)})[${JSON.stringify(exported)}],`;
  });
  return `Object.defineProperty(exports, '__esModule', { value: true });
const getters = {
${getters.join('\n')}
};
for (const [name, get] of Object.entries(getters)) Object.defineProperty(exports, name, { enumerable: true, get });
`;
}

const grpcServerSide = (root) => ({
  name: 'grpc-server-side',
  setup(build) {
    const index = require.resolve(PACKAGE, { paths: [root] });
    const exportNames = Object.keys(require(index));
    for (const name of Object.keys(SERVER_SIDE)) {
      if (!exportNames.includes(name)) throw new Error(`${index} no longer exports ${name}`);
    }
    build.onResolve({ filter: new RegExp(`^${PACKAGE}$`) }, () => ({ path: index, namespace: NAMESPACE }));
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({ contents: standIn(exportNames), loader: 'js', resolveDir: path.dirname(index) }));
    const lazyFiles = new RegExp(`[\\\\/]grpc-js[\\\\/]build[\\\\/]src[\\\\/](${Object.keys(LOADED_ON_USE).join('|').replace(/\./g, '\\.')})$`);
    build.onLoad({ filter: lazyFiles }, (args) => ({
      contents: withOwnDirname(withLazyRequires(fs.readFileSync(args.path, 'utf8'), args.path), args.path),
      loader: 'js',
    }));
  },
});

module.exports = { grpcServerSide };
