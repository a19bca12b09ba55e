// The ttrpc Request/Response envelopes (proto/ttrpc/ttrpc.proto) as typed codecs.
import { codec, loadProtoSet } from '../protos/loader';

export interface KeyValue {
  key: string;
  value: string;
}

export interface RequestEnvelope {
  service: string;
  method: string;
  payload: Buffer;
  timeoutNano: number;
  metadata: KeyValue[];
}

export interface StatusMessage {
  code: number;
  message: string;
}

export interface ResponseEnvelope {
  status: StatusMessage | null;
  payload: Buffer;
}

const root = loadProtoSet('ttrpc');
export const requestCodec = codec<RequestEnvelope>(root, 'ttrpc.Request');
export const responseCodec = codec<ResponseEnvelope>(root, 'ttrpc.Response');
