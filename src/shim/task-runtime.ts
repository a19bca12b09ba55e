// What the task service needs from an OCI runtime. Two implementations: RuncCliRuntime drives a
// runtime binary (runc, runts) the way containerd's runc shim does; the in-process runtime
// (src/runtime called directly) plugs in here without touching the task service.

/** The fds a process gets as 0, 1 and 2 (null: /dev/null). The caller keeps ownership. */
export interface ProcessIO {
  stdin: number | null;
  stdout: number | null;
  stderr: number | null;
}

export interface CreateRequest {
  id: string;
  bundle: string;
  io: ProcessIO;
  terminal: boolean;
}

export interface ExecRequest {
  id: string;
  execId: string;
  bundle: string;
  /** the OCI runtime-spec Process object to run inside the container */
  process: Record<string, unknown>;
  io: ProcessIO;
  terminal: boolean;
}

/** A process the runtime launched: its host pid, and the pty master when it has a terminal. */
export interface Launched {
  pid: number;
  /** the pty master fd (process.terminal), now owned by the caller */
  console?: number;
}

export interface TaskRuntime {
  /** Creates the container (init waiting to be started). */
  create(request: CreateRequest): Promise<Launched>;
  start(id: string, bundle: string): Promise<void>;
  /** Starts an extra process in a running container. */
  exec(request: ExecRequest): Promise<Launched>;
  kill(id: string, bundle: string, signal: number, all: boolean): Promise<void>;
  /** Removes the container's runtime state; force also kills what still runs. */
  delete(id: string, bundle: string, force: boolean): Promise<void>;
  pause(id: string, bundle: string): Promise<void>;
  resume(id: string, bundle: string): Promise<void>;
  /** Applies an OCI LinuxResources object to the running container. */
  update(id: string, bundle: string, resources: Record<string, unknown>): Promise<void>;
  /** Host pids of every process in the container. */
  pids(id: string, bundle: string): Promise<number[]>;
}
