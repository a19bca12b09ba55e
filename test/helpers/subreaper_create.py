# A caller like conmon or a containerd shim: a child subreaper that runs `runts create` (argv[1],
# JSON), checks who the container's init belongs to once create has exited, runs `runts start`
# (argv[2]) and reaps the init itself. Writes {"self", "create", "initParent", "start", "exit"}
# as JSON to argv[4]; argv[3] is create's --pid-file.
import ctypes
import json
import os
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
create, start, pid_file, result_file = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
result = {'self': os.getpid(), 'create': subprocess.call(create)}
if result['create'] == 0:
    pid = int(open(pid_file).read())
    result['initParent'] = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])
    result['start'] = subprocess.call(start)
    result['exit'] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
with open(result_file, 'w') as out:
    json.dump(result, out)
