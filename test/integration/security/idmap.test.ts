// Id-mapped mounts (mounts[].uidMappings/gidMappings, idmap/ridmap options): the container sees
// a bind mount's files under mapped owners without any chown on the host (ext4 /tmp here).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupBundles, makeBundle } from '../../helpers/bundle';
import { Runts, uniqueId } from '../../helpers/runts';

let runts: Runts;
let source: string;
beforeEach(() => {
  runts = new Runts();
  source = fs.mkdtempSync(path.join(os.tmpdir(), 'runts-idmap-'));
  // Owned by host root, which the mounts below leave unmapped: searchable by everyone.
  fs.chmodSync(source, 0o755);
  fs.writeFileSync(path.join(source, 'f1000'), '');
  fs.chownSync(path.join(source, 'f1000'), 1000, 1000);
  fs.writeFileSync(path.join(source, 'f0'), '');
});
afterEach(() => {
  runts.reset();
  fs.rmSync(source, { recursive: true, force: true });
});
afterAll(cleanupBundles);

const STAT = 'stat -c "%n %u:%g"';

test('without a user namespace: host uid 1000 shows as the mapped ids, an unmapped owner as the overflow id', () => {
  const b = makeBundle((c) => {
    c.process.args = ['sh', '-c', `${STAT} /m/f1000 /m/f0`];
    c.mounts.push({
      destination: '/m', type: 'bind', source, options: ['bind', 'idmap'],
      uidMappings: [{ containerID: 1000, hostID: 2000, size: 1 }], gidMappings: [{ containerID: 1000, hostID: 3000, size: 1 }],
    });
  });
  expect(runts.ok(['run', '--bundle', b.dir, uniqueId('idmap')])).toBe('/m/f1000 2000:3000\n/m/f0 65534:65534\n');
  // Nothing was chowned on the host.
  expect(fs.statSync(path.join(source, 'f1000'))).toMatchObject({ uid: 1000, gid: 1000 });
});

test('in a user namespace: the mount\'s own maps, and idmap with the container\'s maps; container root writes host uid 0', () => {
  const b = makeBundle((c) => {
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.process.args = ['sh', '-c', `${STAT} /m/f1000 /n/f1000 /n/f0; touch /n/made`];
    c.mounts.push(
      { destination: '/m', type: 'bind', source, options: ['bind'],
        uidMappings: [{ containerID: 1000, hostID: 100000, size: 1 }], gidMappings: [{ containerID: 1000, hostID: 100000, size: 1 }] },
      { destination: '/n', type: 'bind', source, options: ['rbind', 'idmap'] },
    );
  });
  // The container's root is host uid 100000: it owns its rootfs and can reach the bundle.
  execFileSync('chown', ['-R', '100000:100000', b.rootfs]);
  fs.chmodSync(b.dir, 0o755);
  expect(runts.ok(['run', '--bundle', b.dir, uniqueId('idmapns')])).toBe('/m/f1000 0:0\n/n/f1000 1000:1000\n/n/f0 0:0\n');
  expect(fs.statSync(path.join(source, 'made'))).toMatchObject({ uid: 0, gid: 0 });
});

test('id-mapped mounts that cannot work fail create with one clear line', () => {
  const tmpfs = makeBundle((c) => c.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['idmap'],
    uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }));
  const r = runts.run(['create', '--bundle', tmpfs.dir, uniqueId('idmaptmpfs')]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('config.json: mount /t: id-mapped mounts must be bind mounts, not tmpfs');

  const onlyUid = makeBundle((c) => c.mounts.push({ destination: '/m', type: 'bind', source, options: ['bind'],
    uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }));
  const r2 = runts.run(['create', '--bundle', onlyUid.dir, uniqueId('idmapuid')]);
  expect(r2.status).toBe(1);
  const at = onlyUid.config.mounts.length - 1;
  expect(r2.stderr).toContain(`config.json: /mounts/${at}: must have property 'gidMappings' when 'uidMappings' is present`);
  expect(runts.ok(['list', '-q'])).toBe('');
});

test('features reports id-mapped mounts and the idmap/ridmap options', () => {
  const f = JSON.parse(runts.ok(['features']));
  expect(f.linux.mountExtensions.idmap.enabled).toBe(true);
  expect(f.mountOptions).toEqual(expect.arrayContaining(['idmap', 'ridmap']));
});
