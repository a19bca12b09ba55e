// The ttrpc Request/Response envelopes (proto/ttrpc/ttrpc.proto) as typed codecs.
import { codec } from '../protos/loader';

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

export const requestCodec = codec<RequestEnvelope>('ttrpc', 'ttrpc.Request');
export const responseCodec = codec<ResponseEnvelope>('ttrpc', 'ttrpc.Response');
