// Our proto/ files must put the same fields, with the same numbers and types, where containerd's
// own protos do: that is what makes runtsd wire-compatible with ctr. Both sets are parsed with
// protobufjs; containerd's import gogoproto options, resolved here from Debian's gocode tree.
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';

const OURS = path.resolve(__dirname, '../../../proto');
const GOCODE = '/usr/share/gocode/src';
const CONTAINERD_API = `${GOCODE}/github.com/containerd/containerd/api`;
const REFERENCE_ROOTS = [
  GOCODE,
  `${GOCODE}/github.com/gogo/protobuf`,
  `${GOCODE}/github.com/gogo/protobuf/protobuf`,
  `${GOCODE}/github.com/gogo/googleapis`,
  '/usr/include',
];

function loadRoot(files: string[], roots: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of roots) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

function protoFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.proto'))
    .map((f) => path.join(dir, f));
}

/** Every message and enum in our containerd.* and grpc/google packages, by full name. */
function collect(ns: protobuf.NamespaceBase, out: protobuf.ReflectionObject[] = []) {
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Type || child instanceof protobuf.Enum) out.push(child);
    if (child instanceof protobuf.Namespace || child instanceof protobuf.Type) collect(child, out);
  }
  return out;
}

function fieldShape(f: protobuf.Field) {
  f.resolve();
  const type = f.resolvedType ? f.resolvedType.fullName : f.type;
  const keyType = f instanceof protobuf.MapField ? f.keyType : undefined;
  return { id: f.id, type, keyType, repeated: f.repeated, map: f.map };
}

const referenceAvailable = fs.existsSync(CONTAINERD_API);
const describeIfReference = referenceAvailable ? describe : describe.skip;

describeIfReference('proto/ matches containerd API protos', () => {
  const ourFiles = protoFilesUnder(path.join(OURS, 'containerd'));
  const ours = loadRoot(ourFiles, [OURS]);
  const referenceFiles = [
    'types/descriptor.proto', 'types/platform.proto', 'types/mount.proto', 'types/metrics.proto',
    'types/task/task.proto',
    'services/version/v1/version.proto', 'services/introspection/v1/introspection.proto',
    'services/namespaces/v1/namespace.proto', 'services/content/v1/content.proto',
    'services/images/v1/images.proto', 'services/leases/v1/leases.proto',
    'events/image.proto', 'events/namespace.proto', 'events/content.proto',
    'services/snapshots/v1/snapshots.proto', 'services/diff/v1/diff.proto',
    'services/containers/v1/containers.proto', 'events/container.proto', 'services/events/v1/events.proto',
    'services/tasks/v1/tasks.proto',
  ].map((f) => path.join(CONTAINERD_API, f));
  const reference = loadRoot(referenceFiles, REFERENCE_ROOTS);
  const ourTypes = collect(ours).filter((t) => !t.fullName.startsWith('.google.'));

  test('defines the containerd messages', () => {
    expect(ourTypes.length).toBeGreaterThan(60);
  });

  test.each(ourTypes.map((t) => [t.fullName, t] as const))('%s', (name, ourType) => {
    const ref = reference.lookup(name);
    expect(ref).toBeTruthy();
    if (ourType instanceof protobuf.Enum) {
      expect((ref as protobuf.Enum).values).toEqual(ourType.values);
      return;
    }
    const refType = ref as protobuf.Type;
    const ourFields = Object.fromEntries(ourType.fieldsArray.map((f) => [f.name, fieldShape(f)]));
    const refFields = Object.fromEntries(refType.fieldsArray.map((f) => [f.name, fieldShape(f)]));
    expect(ourFields).toEqual(refFields);
  });

  test('services have the same methods, request and response types', () => {
    const services = ours.nestedArray.length ? collectServices(ours) : [];
    expect(services.length).toBe(11);
    for (const svc of services) {
      const ref = reference.lookupService(svc.fullName);
      const shape = (s: protobuf.Service) => Object.fromEntries(s.methodsArray.map((m) => {
        m.resolve();
        return [m.name, [m.resolvedRequestType!.fullName, m.resolvedResponseType!.fullName,
          !!m.requestStream, !!m.responseStream]];
      }));
      expect(shape(svc)).toEqual(shape(ref));
    }
  });
});

function collectServices(ns: protobuf.NamespaceBase, out: protobuf.Service[] = []) {
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Service) out.push(child);
    else if (child instanceof protobuf.Namespace) collectServices(child, out);
  }
  return out;
}
