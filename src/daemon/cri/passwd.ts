// /etc/passwd and /etc/group as the C library reads them (one colon-separated entry a line), for
// resolving a container's user by name inside its image; malformed lines are skipped, as
// runc's libcontainer/user does.

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const isId = (text: string | undefined) => text !== undefined && /^\d+$/.test(text);

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.trim().split(':');
    if (!name || name.startsWith('#') || !isId(uid) || !isId(gid)) continue;
    entries.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return entries;
}

export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, , gid, members = ''] = line.trim().split(':');
    if (!name || name.startsWith('#') || !isId(gid)) continue;
    entries.push({ name, gid: Number(gid), members: members.split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return entries;
}
