// The services' rpcs npm run build reads from proto/ (scripts/declared-services.js) are those read
// from the text, and a server uses them only while the file is the one the build read: a .proto
// file changed since (size or mtime) is read again. Needs `npm run build`.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { servicesInText } from '../../../src/foundation/protos/services';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BUILT_MODULE = path.join(REPO, 'dist', 'foundation', 'protos', 'services.js');
const BUILT_TABLE = path.join(REPO, 'dist', 'foundation', 'protos', 'declared-services.json');
const VERSION_PROTO = 'containerd/services/version/v1/version.proto';
const VERSION = 'containerd.services.version.v1.Version';

test('the built table holds every service file, as read from its text, with its size', () => {
  const table = JSON.parse(fs.readFileSync(BUILT_TABLE, 'utf8')) as Record<string, { size: number; mtimeMs: number; services: unknown }>;
  expect(Object.keys(table)).toEqual(expect.arrayContaining([VERSION_PROTO, 'cri/runtime/v1/api.proto', 'runts/services/pull/v1/pull.proto']));
  for (const [file, declared] of Object.entries(table)) {
    const stat = fs.statSync(path.join(REPO, 'proto', file));
    expect({ file, size: declared.size, services: declared.services }).toEqual({ file, size: stat.size, services: servicesInText(file) });
  }
  expect(Object.keys(table['cri/runtime/v1/api.proto'].services as object)).toEqual(['runtime.v1.RuntimeService', 'runtime.v1.ImageService']);
});

describe('a built services module beside a table', () => {
  let dir: string;
  const protoFile = () => path.join(dir, 'proto', VERSION_PROTO);
  /** The rpcs a fresh copy of the built module declares for Version, its table listing `listed`. */
  const declaredWith = (listed: string[], changedAfterBuild = false) => {
    const { size, mtimeMs } = fs.statSync(protoFile());
    const services = { [VERSION]: listed.map((name) => ({ name, requestStream: false, responseStream: false })) };
    fs.writeFileSync(path.join(dir, 'dist', 'foundation', 'protos', 'declared-services.json'), JSON.stringify({ [VERSION_PROTO]: { size, mtimeMs, services } }));
    if (changedAfterBuild) fs.utimesSync(protoFile(), new Date(), new Date(mtimeMs + 5000));
    let names: string[] = [];
    jest.isolateModules(() => {
      const { declaredMethods } = require(path.join(dir, 'dist', 'foundation', 'protos', 'services.js')) as typeof import('../../../src/foundation/protos/services');
      names = declaredMethods(VERSION_PROTO, VERSION).map((m) => m.name);
    });
    return names;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-declared-'));
    fs.mkdirSync(path.join(dir, 'dist', 'foundation', 'protos'), { recursive: true });
    fs.copyFileSync(BUILT_MODULE, path.join(dir, 'dist', 'foundation', 'protos', 'services.js'));
    fs.mkdirSync(path.dirname(protoFile()), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'proto', VERSION_PROTO), protoFile());
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('takes the rpcs from the table while the file is unchanged', () => {
    expect(declaredWith(['FromTheTable'])).toEqual(['FromTheTable']);
  });

  test('reads the text of a file changed since the build', () => {
    expect(declaredWith(['FromTheTable'], true)).toEqual(['Version']);
  });
});
