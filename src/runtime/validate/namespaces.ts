// A view of linux.namespaces for the rules that depend on which namespaces the container gets.
import { Linux, LinuxNamespaceType } from '../../foundation/spec-types';

export class Namespaces {
  private readonly byType = new Map<LinuxNamespaceType, string | undefined>();

  constructor(linux: Linux | undefined) {
    for (const ns of linux?.namespaces ?? []) if (!this.byType.has(ns.type)) this.byType.set(ns.type, ns.path);
  }

  /** The container has its own namespace of this type (new, or joined by path). */
  has(type: LinuxNamespaceType): boolean {
    return this.byType.has(type);
  }

  /** A new namespace of this type is created for the container. */
  isNew(type: LinuxNamespaceType): boolean {
    return this.byType.has(type) && !this.byType.get(type);
  }

  pathOf(type: LinuxNamespaceType): string | undefined {
    return this.byType.get(type);
  }
}
