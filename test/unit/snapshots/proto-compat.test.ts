// proto/containerd/services/{snapshots,diff}/v1 must match containerd's reference protos field by
// field (numbers, types, maps, repeated) and method by method: that is wire compatibility.
import * as fs from 'fs';
import * as path from 'path';

const OURS = path.resolve(__dirname, '../../../proto');
const GOCODE = '/usr/share/gocode/src';
const API = `${GOCODE}/github.com/containerd/containerd/api`;
const REFERENCE_ROOTS = [GOCODE, `${GOCODE}/github.com/gogo/protobuf`, `${GOCODE}/github.com/gogo/protobuf/protobuf`, '/usr/include'];
const FILES = ['services/snapshots/v1/snapshots.proto', 'services/diff/v1/diff.proto'];

function available(): boolean {
  try {
    require.resolve('protobufjs');
  } catch {
    return false;
  }
  return fs.existsSync(API) && fs.existsSync(path.join(OURS, 'containerd/types/mount.proto'));
}

const maybe = available() ? describe : describe.skip;

maybe('snapshots and diff protos match containerd', () => {
  const protobuf = available() ? require('protobufjs') : undefined;
  const load = (files: string[], roots: string[]) => {
    const root = new protobuf.Root();
    root.resolvePath = (origin: string, target: string) => {
      if (path.isAbsolute(target)) return target;
      for (const dir of roots) if (fs.existsSync(path.join(dir, target))) return path.join(dir, target);
      return protobuf.util.path.resolve(origin, target);
    };
    root.loadSync(files, { keepCase: true });
    root.resolveAll();
    return root;
  };
  // Loaded in the tests: jest runs describe bodies even when the block is skipped.
  let ours: any;
  let reference: any;
  beforeAll(() => {
    ours = load(FILES.map((f) => path.join(OURS, 'containerd', f)), [OURS]);
    reference = load(FILES.map((f) => path.join(API, f)), REFERENCE_ROOTS);
  });

  const shapeOfType = (t: any) => Object.fromEntries(t.fieldsArray.map((f: any) => {
    f.resolve();
    return [f.name, { id: f.id, type: f.resolvedType ? f.resolvedType.fullName : f.type, keyType: f.keyType, repeated: f.repeated, map: f.map }];
  }));
  const shapeOfService = (s: any) => Object.fromEntries(s.methodsArray.map((m: any) => {
    m.resolve();
    return [m.name, [m.resolvedRequestType.fullName, m.resolvedResponseType.fullName, !!m.requestStream, !!m.responseStream]];
  }));

  for (const pkg of ['containerd.services.snapshots.v1', 'containerd.services.diff.v1']) {
    test(`${pkg}: every message, enum and service`, () => {
      const ns = ours.lookup(pkg);
      const refNs = reference.lookup(pkg);
      expect(ns.nestedArray.map((n: any) => n.name).sort()).toEqual(refNs.nestedArray.map((n: any) => n.name).sort());
      for (const item of ns.nestedArray) {
        const ref = refNs.lookup(item.name);
        if (item instanceof protobuf.Service) expect(shapeOfService(item)).toEqual(shapeOfService(ref));
        else if (item instanceof protobuf.Enum) expect(item.values).toEqual(ref.values);
        else expect([item.name, shapeOfType(item)]).toEqual([item.name, shapeOfType(ref)]);
      }
    });
  }
});
