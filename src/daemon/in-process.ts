// runtsd's own services called from inside runtsd (its CRI plugin), as containerd's CRI plugin
// calls containerd's services in-process rather than over its socket. A call goes through the
// same handlers and the same protobuf encoding both ways (so messages have exactly the shape a
// socket client sees), without HTTP/2, grpc-js's channel and stream machinery and the socket:
// those were the largest part of runtsd's CPU per CRI pod cycle (~30 internal calls each).
import * as grpc from '@grpc/grpc-js';

interface Method {
  definition: grpc.MethodDefinition<unknown, unknown>;
  handler: grpc.handleUnaryCall<unknown, unknown>;
}

/** A status error as a socket client would get it: code and details. */
export interface InProcessError extends Error { code: number; details: string }

export class InProcessCalls {
  private readonly methods = new Map<string, Method>();

  /** Registers a service's unary methods, by path (/package.Service/Method). */
  add(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    for (const [name, method] of Object.entries(definition)) {
      if (method.requestStream || method.responseStream) continue;
      this.methods.set(method.path, { definition: method, handler: implementation[name] as grpc.handleUnaryCall<unknown, unknown> });
    }
  }

  has(path: string): boolean {
    return this.methods.has(path);
  }

  /** One unary call: the request and the response as encoded bytes. */
  unary(path: string, request: Buffer, metadata: grpc.Metadata): Promise<Buffer> {
    const method = this.methods.get(path);
    if (!method) return Promise.reject(statusError(grpc.status.UNIMPLEMENTED, `${path} is not served in-process`));
    return new Promise((resolve, reject) => {
      const call = {
        request: method.definition.requestDeserialize(request),
        metadata,
        cancelled: false,
        getPeer: () => 'in-process',
        getDeadline: () => Infinity,
        getPath: () => path,
        sendMetadata: () => undefined,
        on: () => call,
        once: () => call,
      } as unknown as grpc.ServerUnaryCall<unknown, unknown>;
      try {
        method.handler(call, (err, response) => {
          if (err) reject(statusError(err.code ?? grpc.status.UNKNOWN, err.details ?? ('message' in err ? String(err.message) : '')));
          else resolve(method.definition.responseSerialize(response));
        });
      } catch (err) {
        reject(statusError(grpc.status.UNKNOWN, String(err)));
      }
    });
  }
}

function statusError(code: number, details: string): InProcessError {
  return Object.assign(new Error(details), { code, details });
}
