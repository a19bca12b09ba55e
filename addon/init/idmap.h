// Id-mapped bind mounts (mounts[].uidMappings/gidMappings): prepared by stage 1 of runts-init,
// which still has the runtime's privileges over the host filesystems, and attached later by
// the container init (possibly inside its own user namespace) through the detached tree's fd.
#pragma once
#include "common/wire.h"

// IDMAP_TREE: a detached clone of the source, id-mapped through a new user namespace holding the
// record's maps. Returns the tree fd (close-on-exec), or -1 with errno.
int make_idmapped_tree(const wire::Record &r);
