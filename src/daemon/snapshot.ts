// runtsd's startup-snapshot entry (bundled and snapshotted by scripts/build-daemon-snapshot.js):
// runtsd's modules and grpc-js are initialised while the snapshot is built; bin/runtsd starts
// Node from the blob with itself as the main script, which calls runtsdStart with the command
// line. No deserialize-main function: that takes the v8 module, whose heap-snapshot stream loads
// the stream_wrap binding, and a worker thread (layers are applied on them) of a process started
// from a blob holding a binding's per-isolate templates aborts when it loads that binding itself
// (Node 24: net, child_process, crypto). The build checks that the blob holds none of them.
import { runDaemon } from './program';

require('./server');

(globalThis as { runtsdStart?: typeof runDaemon }).runtsdStart = runDaemon;
