// Publishes task events to containerd the way its shims do: Events/Forward on TTRPC_ADDRESS with
// the namespace in `containerd-namespace-ttrpc` metadata, one at a time and in order.
import { TtrpcClient } from '../foundation/ttrpc/client';
import { EVENTS_SERVICE, eventType, forwardRequestCodec, timestampOf } from '../foundation/protos/shim';
import { log } from './log';

export interface EventPublisher {
  /** topic like /tasks/exit, eventName like TaskExit (a containerd.events message). */
  publish(topic: string, eventName: string, event: Record<string, unknown>): void;
  /** Resolves once everything published so far was delivered (or given up on). */
  flush(): Promise<void>;
}

const FORWARD_TIMEOUT_MS = 5000;
const ATTEMPTS = 3;

export class TtrpcEventForwarder implements EventPublisher {
  private client: TtrpcClient | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ttrpcAddress: string,
    private readonly namespace: string,
  ) {}

  publish(topic: string, eventName: string, event: Record<string, unknown>): void {
    const request = forwardRequestCodec.encode({
      envelope: {
        timestamp: timestampOf(new Date()),
        namespace: this.namespace,
        topic,
        event: { type_url: `containerd.events.${eventName}`, value: eventType(eventName).encode(event) },
      },
    });
    this.queue = this.queue.then(() => this.forward(topic, request));
  }

  flush(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private async forward(topic: string, request: Buffer): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        this.client ??= await TtrpcClient.connect(this.ttrpcAddress);
        await this.client.call(EVENTS_SERVICE, 'Forward', request, {
          timeoutMs: FORWARD_TIMEOUT_MS,
          metadata: { 'containerd-namespace-ttrpc': this.namespace },
        });
        return;
      } catch (err) {
        this.close();
        if (attempt === ATTEMPTS) log(`forward event ${topic} to ${this.ttrpcAddress}: ${(err as Error).message}`);
      }
    }
  }
}

/** For a shim started without TTRPC_ADDRESS: events go nowhere, on purpose. */
export class NoEventPublisher implements EventPublisher {
  publish(): void {}
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
