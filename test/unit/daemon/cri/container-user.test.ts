// The container's user as containerd's CRI decides it, with the image's files faked: names from
// /etc/passwd and /etc/group, the image's User when the security context has none, the user's
// groups plus the requested supplemental ones, and a clear InvalidArgument for an unknown name.
import { ImageFiles, containerUser } from '../../../../src/daemon/cri/container-user';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1001:web:/home/web:/bin/sh\nbroken line\n';
const GROUP = 'root:x:0:\nweb:x:1001:web\nstaff:x:50:web,other\naudio:x:29:other\n';

function files(passwd = PASSWD, group = GROUP): ImageFiles & { opened: number } {
  const fake = (async (use: (read: (f: string) => Promise<string | undefined>) => Promise<unknown>) => {
    fake.opened++;
    return use(async (f) => ({ '/etc/passwd': passwd, '/etc/group': group } as Record<string, string>)[f]);
  }) as ImageFiles & { opened: number };
  fake.opened = 0;
  return fake;
}

test('run_as_username resolves uid, primary gid and member groups from the image', async () => {
  expect(await containerUser({ run_as_username: 'web' }, undefined, files())).toEqual({ uid: 1000, gid: 1001, additionalGids: [50] });
});

test('run_as_group and supplemental_groups apply over a named user', async () => {
  expect(await containerUser({ run_as_username: 'web', run_as_group: { value: 7 }, supplemental_groups: [8, 50] }, undefined, files()))
    .toEqual({ uid: 1000, gid: 7, additionalGids: [50, 8] });
});

test("the image's User: name, name:group, uid:gid, bare uid", async () => {
  expect(await containerUser({}, 'web', files())).toEqual({ uid: 1000, gid: 1001, additionalGids: [50] });
  expect(await containerUser({}, 'web:audio', files())).toEqual({ uid: 1000, gid: 29, additionalGids: [50] });
  expect(await containerUser({}, '1000', files())).toEqual({ uid: 1000, gid: 1001, additionalGids: [50] });
  const numeric = files();
  expect(await containerUser({}, '12:34', numeric)).toEqual({ uid: 12, gid: 34 });
  expect(numeric.opened).toBe(0);
});

test('run_as_user wins over the image User; an unknown uid has gid 0', async () => {
  expect(await containerUser({ run_as_user: { value: 4242 } }, 'web', files())).toEqual({ uid: 4242, gid: 0 });
});

test('root and numeric uid:gid need no image files', async () => {
  const f = files();
  expect(await containerUser({}, undefined, f)).toEqual({ uid: 0, gid: 0 });
  expect(await containerUser({ run_as_user: { value: 5 }, run_as_group: { value: 6 }, supplemental_groups: [7] }, undefined, f))
    .toEqual({ uid: 5, gid: 6, additionalGids: [7] });
  expect(f.opened).toBe(0);
});

test('unknown names are an InvalidArgument naming them', async () => {
  await expect(containerUser({ run_as_username: 'nobody' }, undefined, files())).rejects.toMatchObject({
    code: 3, message: expect.stringContaining('run_as_username "nobody": no such user'),
  });
  await expect(containerUser({}, 'web:nogroup', files())).rejects.toMatchObject({
    code: 3, message: expect.stringContaining('group "nogroup": no such group'),
  });
  await expect(containerUser({ run_as_username: 'web' }, undefined, files(''))).rejects.toMatchObject({ code: 3 });
});
