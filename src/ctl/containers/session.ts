// A foreground process's session: relays our terminal or streams to its fifos, forwards
// signals (docker's sig-proxy) and window sizes, and waits for its exit status.
import { Client } from '../../client/client';
import { Attached, FifoSet, attach, removeFifos } from './stdio';

export interface SessionOptions {
  id: string;
  execId: string;
  interactive: boolean;
  terminal: boolean;
  log?: string;
}

export class Session {
  private attached: Attached;
  private cleanups: (() => void)[] = [];

  constructor(private readonly client: Client, private readonly fifos: FifoSet, private readonly o: SessionOptions) {
    this.attached = attach(fifos, o.interactive ? process.stdin : undefined, o.log);
  }

  /** Once the process runs: raw terminal, sizes, signals, stdin's end. */
  started(): void {
    const ref = { container_id: this.o.id, exec_id: this.o.execId };
    if (this.o.terminal && process.stdin.isTTY && this.o.interactive) {
      process.stdin.setRawMode(true);
      this.cleanups.push(() => process.stdin.setRawMode(false));
    }
    if (this.o.terminal && process.stdout.isTTY) {
      const resize = () => this.client.unary('tasks', 'ResizePty', { ...ref, width: process.stdout.columns, height: process.stdout.rows }).catch(() => undefined);
      void resize();
      process.stdout.on('resize', resize);
      this.cleanups.push(() => process.stdout.off('resize', resize));
    }
    if (!this.o.terminal) {
      for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
        const forward = () => this.client.unary('tasks', 'Kill', { ...ref, signal: number, all: false }).catch(() => undefined);
        process.on(signal, forward);
        this.cleanups.push(() => process.off(signal, forward));
      }
    }
    if (this.o.interactive) {
      this.attached.stdinDone.then(() => this.client.unary('tasks', 'CloseIO', { ...ref, stdin: true }).catch(() => undefined));
    } else {
      process.stdin.pause();
    }
  }

  /** The exit status, after all output arrived. */
  async wait(): Promise<number> {
    const { exit_status: status } = await this.client.unary('tasks', 'Wait', { container_id: this.o.id, exec_id: this.o.execId });
    await this.attached.drained;
    return status;
  }

  close(): void {
    for (const c of this.cleanups) c();
    this.attached.close();
    removeFifos(this.fifos);
    if (this.o.interactive) process.stdin.destroy();
  }
}
