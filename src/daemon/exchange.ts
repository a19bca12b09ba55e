// The daemon's in-process event exchange: services publish what changed (images, namespaces,
// content) with containerd's topics and payload types; subscribers (the Events service, tests)
// receive containerd-shaped envelopes whose event is a google.protobuf.Any.
import * as path from 'path';
import type * as Protobuf from 'protobufjs';
import { PROTO_DIR } from '../foundation/protos/services';
import { toTimestamp, Timestamp } from './convert';

export interface Envelope {
  timestamp: Timestamp;
  namespace: string;
  topic: string;
  event: { type_url: string; value: Buffer };
}

export type EventListener = (envelope: Envelope) => void;

const EVENT_FILES = [
  'containerd/events/image.proto', 'containerd/events/namespace.proto', 'containerd/events/content.proto',
  'containerd/events/container.proto',
];
let eventTypes: Protobuf.Root | undefined;

/** Encodes a containerd event message (by full name) as the Any containerd puts in envelopes. */
export function encodeEvent(typeName: string, payload: object): Envelope['event'] {
  // protobufjs is required with the first event, not at start
  const protobuf = require('protobufjs') as typeof Protobuf;
  eventTypes ??= new protobuf.Root().loadSync(EVENT_FILES.map((f) => path.join(PROTO_DIR, f)), { keepCase: true });
  const type = eventTypes.lookupType(typeName);
  // containerd's typeurl names unregistered messages by their proto name, with no URL prefix.
  return { type_url: typeName, value: Buffer.from(type.encode(type.fromObject(payload)).finish()) };
}

export class EventExchange {
  private readonly listeners = new Set<EventListener>();

  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publishEnvelope(envelope: Envelope): void {
    for (const listener of this.listeners) listener(envelope);
  }

  publish(namespace: string, topic: string, typeName: string, payload: object): void {
    if (this.listeners.size === 0) return;
    this.publishEnvelope({ timestamp: toTimestamp(Date.now()), namespace, topic, event: encodeEvent(typeName, payload) });
  }
}
