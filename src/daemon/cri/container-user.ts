// The user a container runs as, decided as containerd's CRI does: run_as_username or run_as_user
// (with run_as_group), else the image config's User ("name", "name:group", "uid:gid"); names are
// looked up in the image's own /etc/passwd and /etc/group, and the user's groups in /etc/group
// become supplemental groups before the ones the security context adds.
// Only a user given by name or a bare non-root uid (whose primary group comes from /etc/passwd)
// needs the image's files, which costs a temporary mount; root without names does not.
import * as grpc from '@grpc/grpc-js';
import { RuntsError } from '../../foundation/errors';
import { GrpcStatusError } from '../deps';
import { Message } from './store';
import { GroupEntry, PasswdEntry, parseGroup, parsePasswd } from './passwd';
import { RootfsReader } from './rootfs-files';

/** Runs `use` with a reader of the image's files (a temporary mount for its duration). */
export type ImageFiles = <T>(use: (read: RootfsReader) => Promise<T>) => Promise<T>;

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

const invalidArg = (msg: string) => new GrpcStatusError(grpc.status.INVALID_ARGUMENT, msg);
const isId = (text: string) => /^\d+$/.test(text);

interface UserRequest {
  /** "user[:group]": either part a name or a number. */
  text: string;
  /** Where it came from, for the error that names it. */
  source: string;
}

function requestOf(sc: Message, imageUser: string | undefined): UserRequest | undefined {
  const group = sc.run_as_group ? `:${sc.run_as_group.value}` : '';
  if (sc.run_as_username) return { text: `${sc.run_as_username}${group}`, source: 'run_as_username' };
  if (sc.run_as_user) return { text: `${sc.run_as_user.value}${group}`, source: 'run_as_user' };
  if (imageUser) {
    // run_as_group alone replaces the image's group, as before: the image names the user
    const [user] = imageUser.split(':');
    return { text: group ? `${user}${group}` : imageUser, source: "the image's User" };
  }
  return group ? { text: `0${group}`, source: 'run_as_group' } : undefined;
}

/** True when deciding the user needs /etc/passwd or /etc/group from the image. */
function needsImageFiles(sc: Message, imageUser: string | undefined): boolean {
  const request = requestOf(sc, imageUser);
  if (!request) return false;
  const [user, group] = request.text.split(':');
  return !isId(user) || (group !== undefined && !isId(group)) || (group === undefined && user !== '0');
}

/** The process user; `imageFiles` is used only when a name (or a bare uid's group) needs the image's files. */
export async function containerUser(sc: Message, imageUser: string | undefined, imageFiles: ImageFiles): Promise<ProcessUser> {
  const extra: number[] = (sc.supplemental_groups ?? []).map(Number);
  const request = requestOf(sc, imageUser);
  const withExtra = (u: ProcessUser): ProcessUser => {
    const gids = [...(u.additionalGids ?? []), ...extra.filter((g) => !(u.additionalGids ?? []).includes(g))];
    return gids.length ? { uid: u.uid, gid: u.gid, additionalGids: gids } : { uid: u.uid, gid: u.gid };
  };
  if (!request) return withExtra({ uid: 0, gid: 0 });
  const [user, group] = request.text.split(':');
  if (!needsImageFiles(sc, imageUser)) return withExtra({ uid: Number(user), gid: Number(group ?? 0) });

  const [passwd, groups] = await imageFiles(async (read) => [
    parsePasswd((await read('/etc/passwd')) ?? ''), parseGroup((await read('/etc/group')) ?? ''),
  ] as const).catch((err) => {
    // an unreadable /etc/passwd (a directory, a link loop) is the image's fault: the caller's to fix
    throw err instanceof RuntsError && err.kind === 'invalid' ? invalidArg(`${request.source} "${request.text}": ${err.message}`) : err;
  });
  const entry: PasswdEntry | undefined = isId(user) ? passwd.find((p) => p.uid === Number(user)) : passwd.find((p) => p.name === user);
  if (!entry && !isId(user)) throw invalidArg(`${request.source} "${user}": no such user in the image's /etc/passwd`);
  const uid = entry?.uid ?? Number(user);
  let gid = entry?.gid ?? 0;
  if (group !== undefined) {
    const g: GroupEntry | undefined = isId(group) ? undefined : groups.find((x) => x.name === group);
    if (!isId(group) && !g) throw invalidArg(`${request.source} group "${group}": no such group in the image's /etc/group`);
    gid = g ? g.gid : Number(group);
  }
  // the user's other groups: those listing its name as a member (its own-named group is primary)
  const name = entry?.name;
  const memberOf = name ? groups.filter((g) => g.name !== name && g.members.includes(name)).map((g) => g.gid) : [];
  return withExtra({ uid, gid, additionalGids: [...new Set(memberOf)] });
}
