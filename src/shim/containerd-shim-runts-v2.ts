// The shim's Node entry under its own name, so `ps` shows the long-lived shim as
// containerd-shim-runts-v2 (bin/containerd-shim-runts-v2 is a sh front that runs this).
import './main';
