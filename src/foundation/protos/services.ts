// containerd's gRPC service definitions (runtsd serves them, runtsctl calls them), loaded from
// proto/ (shipped beside dist/ and src/). The services' files are parsed together, once: each
// alone would parse the imports they share again.
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';

export const PROTO_DIR = path.resolve(__dirname, '..', '..', '..', 'proto');

// snake_case field names as on the wire; int64 as JS numbers (sizes and offsets fit in 2^53);
// enums by name; defaults filled in so handlers never see undefined scalars or maps.
const LOAD_OPTIONS: ProtoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

// The directories (under proto/) whose files define the daemon's services, one per version dir.
const SERVICE_DIRS = ['containerd/services', 'grpc/health'];

/** Every .proto file under these directories of proto/ ('' for all of it), relative to proto/. */
export function protoFilesUnder(...dirs: string[]): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(PROTO_DIR, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.proto')) files.push(child);
    }
  };
  dirs.forEach(walk);
  return files.sort();
}

let services: { files: Set<string>; pkg: ProtoLoader.PackageDefinition } | undefined;
const loaded = new Map<string, ProtoLoader.PackageDefinition>();

function packageOf(protoFile: string): ProtoLoader.PackageDefinition {
  // proto-loader (and protobufjs under it) is required with the first message, not at start
  const protoLoader = require('@grpc/proto-loader') as typeof ProtoLoader;
  if (!services) {
    const files = protoFilesUnder(...SERVICE_DIRS);
    services = { files: new Set(files), pkg: protoLoader.loadSync(files, LOAD_OPTIONS) };
  }
  if (services.files.has(protoFile)) return services.pkg;
  let pkg = loaded.get(protoFile);
  if (!pkg) {
    pkg = protoLoader.loadSync(protoFile, LOAD_OPTIONS);
    loaded.set(protoFile, pkg);
  }
  return pkg;
}

/** The definition of `fullName` (e.g. containerd.services.version.v1.Version) in protoFile. */
export function serviceDefinition(protoFile: string, fullName: string): grpc.ServiceDefinition {
  const pkg = packageOf(protoFile);
  const def = pkg[fullName];
  if (!def || 'format' in def) throw new Error(`service ${fullName} not found in ${protoFile}`);
  return def as grpc.ServiceDefinition;
}

export interface DeclaredMethod { name: string; requestStream: boolean; responseStream: boolean }

/** The body of `service <name> { ... }` in proto text without comments, braces balanced. */
function serviceBody(text: string, name: string): string | undefined {
  const start = new RegExp(`\\bservice\\s+${name}\\s*\\{`).exec(text);
  if (!start) return undefined;
  let depth = 1;
  for (let i = start.index + start[0].length; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start.index + start[0].length, i);
  }
  return undefined;
}

// proto text without comments, by file: CRI's two services share one 100 kB file
const uncommented = new Map<string, string>();

function uncommentedText(protoFile: string): string {
  let text = uncommented.get(protoFile);
  if (text === undefined) {
    text = fs.readFileSync(path.join(PROTO_DIR, protoFile), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    uncommented.set(protoFile, text);
  }
  return text;
}

const declaredPackage = (text: string) => /\bpackage\s+([\w.]+)\s*;/.exec(text)?.[1];

/** The rpcs of `fullName` as protoFile declares them, read from its text without parsing it. */
function methodsInText(protoFile: string, fullName: string): DeclaredMethod[] {
  const text = uncommentedText(protoFile);
  const pkg = declaredPackage(text);
  const name = fullName.slice(fullName.lastIndexOf('.') + 1);
  const body = pkg === fullName.slice(0, fullName.lastIndexOf('.')) ? serviceBody(text, name) : undefined;
  if (body === undefined) throw new Error(`service ${fullName} not found in ${protoFile}`);
  const rpc = /\brpc\s+(\w+)\s*\(\s*(stream\s+)?[\w.]+\s*\)\s*returns\s*\(\s*(stream\s+)?[\w.]+\s*\)/g;
  return [...body.matchAll(rpc)].map((m) => ({ name: m[1], requestStream: !!m[2], responseStream: !!m[3] }));
}

/** Every service protoFile declares, by full name, with its rpcs read from the text. */
export function servicesInText(protoFile: string): Record<string, DeclaredMethod[]> {
  const text = uncommentedText(protoFile);
  const pkg = declaredPackage(text);
  const services: Record<string, DeclaredMethod[]> = {};
  for (const [, name] of text.matchAll(/\bservice\s+(\w+)\s*\{/g)) services[`${pkg}.${name}`] = methodsInText(protoFile, `${pkg}.${name}`);
  return services;
}

/** What the build read from a .proto file (scripts/declared-services.js), and the file's size and mtime then. */
interface BuiltDeclarations { size: number; mtimeMs: number; services: Record<string, DeclaredMethod[]> }

let built: Record<string, BuiltDeclarations> | undefined;

function builtDeclarations(): Record<string, BuiltDeclarations> {
  try {
    // beside the compiled module (npm run build); bundled into runtsd's bundle
    return require('./declared-services.json') as Record<string, BuiltDeclarations>;
  } catch {
    return {};
  }
}

/**
 * The rpcs of `fullName` as protoFile declares them: as the build read them while the file is
 * the one it read (same size and mtime), else read from its text (reading and stripping the
 * comments of runtsd's 15 services' files was ~5 ms of its start, CRI's 100 kB file most).
 */
export function declaredMethods(protoFile: string, fullName: string): DeclaredMethod[] {
  built ??= builtDeclarations();
  const declared = built[protoFile];
  if (declared?.services[fullName]) {
    const stat = fs.statSync(path.join(PROTO_DIR, protoFile), { throwIfNoEntry: false });
    if (stat?.size === declared.size && stat.mtimeMs === declared.mtimeMs) return declared.services[fullName];
  }
  return methodsInText(protoFile, fullName);
}

/**
 * serviceDefinition(protoFile, fullName) whose .proto files are parsed on the first message: a
 * server can register the service (paths and stream kinds, read from the text) at start for free.
 */
export function lazyServiceDefinition(protoFile: string, fullName: string): grpc.ServiceDefinition {
  const key = `${protoFile}:${fullName}`;
  let definition = lazyDefinitions.get(key);
  if (!definition) {
    definition = declaredDefinition(protoFile, fullName);
    lazyDefinitions.set(key, definition);
  }
  return definition;
}

// a lazy service's definition is asked for at registration and again for its method names
const lazyDefinitions = new Map<string, grpc.ServiceDefinition>();

function declaredDefinition(protoFile: string, fullName: string): grpc.ServiceDefinition {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of declaredMethods(protoFile, fullName)) {
    const real = () => serviceDefinition(protoFile, fullName)[m.name];
    definition[m.name] = {
      path: `/${fullName}/${m.name}`,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      originalName: m.name[0].toLowerCase() + m.name.slice(1),
      requestSerialize: (value: unknown) => real().requestSerialize(value),
      requestDeserialize: (bytes: Buffer) => real().requestDeserialize(bytes),
      responseSerialize: (value: unknown) => real().responseSerialize(value),
      responseDeserialize: (bytes: Buffer) => real().responseDeserialize(bytes),
    };
  }
  return definition;
}
