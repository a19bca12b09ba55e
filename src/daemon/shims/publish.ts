// `runtsd --address SOCK publish --topic T --namespace NS`: what a shim runs as its
// -publish-binary. Reads one marshalled google.protobuf.Any (the event) from stdin and forwards it
// to the daemon serving SOCK through its ttrpc events endpoint.
import * as fs from 'fs';
import * as protobuf from 'protobufjs';
import { invalid, RuntsError } from '../../foundation/errors';
import { TtrpcClient } from '../../foundation/ttrpc/client';
import { EVENTS_SERVICE, forwardRequestCodec, timestampOf } from '../../foundation/protos/shim';

const FORWARD_TIMEOUT_MS = 5000;

function decodeAny(bytes: Buffer): { type_url: string; value: Buffer } {
  const reader = protobuf.Reader.create(bytes);
  let typeUrl = '';
  let value = Buffer.alloc(0);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 10) typeUrl = reader.string();
      else if (tag === 18) value = Buffer.from(reader.bytes());
      else reader.skipType(tag & 7);
    }
  } catch (err) {
    throw invalid(`event on stdin is not a protobuf Any: ${(err as Error).message}`);
  }
  if (!typeUrl) throw invalid('event on stdin has no type url');
  return { type_url: typeUrl, value };
}

export async function publishEvent(address: string, topic: string, namespace: string): Promise<void> {
  if (!topic) throw invalid('publish needs --topic');
  if (!namespace) throw invalid('publish needs --namespace');
  const event = decodeAny(fs.readFileSync(0));
  const socket = `${address}.ttrpc`;
  const client = await TtrpcClient.connect(socket).catch((err: Error) => {
    throw new RuntsError(`publishing ${topic}: ${err.message}`, 'system');
  });
  try {
    await client.call(EVENTS_SERVICE, 'Forward',
      forwardRequestCodec.encode({ envelope: { timestamp: timestampOf(new Date()), namespace, topic, event } }),
      { timeoutMs: FORWARD_TIMEOUT_MS, metadata: { 'containerd-namespace-ttrpc': namespace } });
  } catch (err) {
    throw new RuntsError(`publishing ${topic} to ${socket}: ${(err as Error).message}`, 'system');
  } finally {
    client.close();
  }
}
