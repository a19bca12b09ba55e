// Which shim a pod's tasks share with other pods. A Node shim costs ~20 MiB, so pods of runts's
// runtime fill groups of at most `pods_per_shim`, lowest group first; the group's name goes into
// the pod's and its containers' io.containerd.runc.v2.group annotation, which the shim (as
// containerd's runc v2 shim) groups by before the sandbox id. Group 0's shim stays when its last
// pod goes (ShimManager.keepWhenIdle), so a pod cycle does not pay a Node start.

export const SHIM_GROUP_ANNOTATION = 'io.containerd.runc.v2.group';
const PREFIX = 'runts-cri-';

export class ShimGroups {
  /** Pods holding a place, by sandbox id: running ones and ones being stopped. */
  private readonly groupOf = new Map<string, number>();

  constructor(private readonly podsPerShim: number) {}

  /** The group of a new pod; undefined when every pod has its own shim (pods_per_shim = 1). */
  place(sandboxId: string): string | undefined {
    if (this.podsPerShim <= 1) return undefined;
    const counts = new Map<number, number>();
    for (const group of this.groupOf.values()) counts.set(group, (counts.get(group) ?? 0) + 1);
    let group = 0;
    while ((counts.get(group) ?? 0) >= this.podsPerShim) group++;
    this.groupOf.set(sandboxId, group);
    return `${PREFIX}${group}`;
  }

  /** A pod recorded by a previous daemon, still holding its place. */
  restore(sandboxId: string, group: string | undefined): void {
    const n = group?.startsWith(PREFIX) ? Number(group.slice(PREFIX.length)) : NaN;
    if (Number.isInteger(n) && n >= 0) this.groupOf.set(sandboxId, n);
  }

  /** The pod's tasks are gone: its place is free. */
  release(sandboxId: string): void {
    this.groupOf.delete(sandboxId);
  }

  /** The group whose shim is kept warm. */
  static isKeptWarm(group: string | undefined): boolean {
    return group === `${PREFIX}0`;
  }
}
