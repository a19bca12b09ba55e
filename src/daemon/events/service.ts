// Events service: clients Publish (stamped here, in the caller's namespace), shims Forward
// ready-made envelopes, and Subscribe streams every namespace's events that match the filters
// (`topic==/tasks/exit`, `namespace==x`, `topic~=^/images/`), like containerd's exchange.
import * as grpc from '@grpc/grpc-js';
import { lazyServiceDefinition } from '../../foundation/protos/services';
import { failStream, namespaceOf, unary } from '../deps';
import { toTimestamp, Timestamp } from '../convert';
import { ServiceRegistration } from '../registration';
import { Envelope } from '../exchange';
import { invalid } from '../../foundation/errors';
import { validateIdentifier } from '../../metadata/identifiers';
import { FieldLookup, parseFilters } from '../../foundation/filters';

type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
interface WireAny { type_url: string; value: Buffer }
interface WireEnvelope { timestamp: Timestamp | null; namespace: string; topic: string; event: WireAny | null }

/** containerd's rule: "/" then identifier components, e.g. /tasks/exit. */
function validateTopic(topic: string): void {
  if (!topic.startsWith('/')) throw invalid(`event topic "${topic}" must start with "/"`);
  for (const part of topic.slice(1).split('/')) validateIdentifier('event topic component', part);
}

function requireEvent(event: WireAny | null): WireAny {
  if (!event || !event.type_url) throw invalid('event must be set, with a type url');
  return event;
}

const envelopeField: FieldLookup<Envelope> = (e, fieldPath) => {
  if (fieldPath.length !== 1) return undefined;
  if (fieldPath[0] === 'topic') return e.topic;
  if (fieldPath[0] === 'namespace') return e.namespace;
  return undefined;
};

export const eventsService: ServiceRegistration = {
  name: 'events',
  definition: () => lazyServiceDefinition('containerd/services/events/v1/events.proto', 'containerd.services.events.v1.Events'),
  implementation: ({ log, events }) => ({
    Publish: unary(log, (call: Call<{ topic: string; event: WireAny | null }>) => {
      const namespace = namespaceOf(call);
      validateTopic(call.request.topic);
      const event = requireEvent(call.request.event);
      events.publishEnvelope({ timestamp: toTimestamp(Date.now()), namespace, topic: call.request.topic, event });
      return {};
    }),
    Forward: unary(log, (call: Call<{ envelope: WireEnvelope | null }>) => {
      const envelope = call.request.envelope;
      if (!envelope) throw invalid('envelope must be set');
      validateIdentifier('namespace', envelope.namespace);
      validateTopic(envelope.topic);
      events.publishEnvelope({
        timestamp: envelope.timestamp ?? toTimestamp(Date.now()),
        namespace: envelope.namespace,
        topic: envelope.topic,
        event: requireEvent(envelope.event),
      });
      return {};
    }),
    Subscribe: (call: grpc.ServerWritableStream<{ filters: string[] }, Envelope>) => {
      let matches: (e: Envelope) => boolean;
      try {
        matches = parseFilters(call.request.filters, envelopeField);
      } catch (err) {
        failStream(call, err);
        return;
      }
      const unsubscribe = events.subscribe((envelope) => {
        if (matches(envelope)) call.write(envelope);
      });
      call.on('cancelled', unsubscribe);
      call.on('close', unsubscribe);
    },
  }),
};
