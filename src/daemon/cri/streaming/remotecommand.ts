// Kubernetes' remotecommand protocol (exec and attach). On a SPDY session client-go opens one
// stream per channel, named by its streamtype header (error, stdin, stdout, stderr, resize);
// once all the request asked for are open the session runs. On a WebSocket the channels are
// numbered in each message (wsstream.ts) and the session runs at once. The end is reported on
// the error channel: nothing for success, a metav1.Status (v4, v5) or its message (older
// versions) otherwise.
import { StreamEndpoint } from './server';
import { SpdySession, SpdyStream } from './spdy';
import { ChannelConnection } from './wsstream';

const STREAMS_WAIT_MS = 10_000;
const FLUSH_MS = 30_000;
/** Newest first: v4 carries a metav1.Status on the error stream (exit codes), v3 adds resize. */
const PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
const RESIZING = new Set(['v4.channel.k8s.io', 'v3.channel.k8s.io']);
/** WebSocket subprotocols, newest first: v5 adds the close message that ends stdin. */
const WS_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];
const STATUS_PROTOCOLS = new Set(['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io']);
const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 };

/** A channel: a SPDY stream, or one channel of a WebSocket. */
export type ChannelStream = NodeJS.ReadWriteStream;

export interface StreamOptions { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

export interface TerminalSize { width: number; height: number }

export interface Channels {
  protocol: string;
  error: ChannelStream;
  stdin?: ChannelStream;
  stdout?: ChannelStream;
  stderr?: ChannelStream;
  /** Terminal sizes as the client's window changes (v3 and later, with a tty). */
  resize?: ChannelStream;
  /** Settles when the client's connection is gone. */
  closed: Promise<void>;
}

export type ChannelsHandler = (channels: Channels) => Promise<void>;

/** An endpoint for the streaming server: handler runs once the requested channels are open. */
export function remoteCommand(options: StreamOptions, handler: ChannelsHandler, onError: (err: unknown) => void): StreamEndpoint {
  return {
    protocols: PROTOCOLS,
    serve: (session: SpdySession, protocol: string) => {
      const wanted = ['error', ...(['stdin', 'stdout', 'stderr'] as const).filter((o) => options[o])];
      if (options.tty && RESIZING.has(protocol)) wanted.push('resize');
      const streams = new Map<string, SpdyStream>();
      let started = false;
      const timer = setTimeout(() => session.close(), STREAMS_WAIT_MS);
      session.onStream((stream) => {
        streams.set(stream.headers.streamtype, stream);
        if (started || wanted.some((w) => !streams.has(w))) return;
        started = true;
        clearTimeout(timer);
        const channels: Channels = {
          protocol, error: streams.get('error')!, stdin: streams.get('stdin'), stdout: streams.get('stdout'),
          stderr: streams.get('stderr'), resize: streams.get('resize'), closed: session.closed,
        };
        run(channels, handler, onError, () => session.close());
      });
    },
    websocket: {
      protocols: WS_PROTOCOLS,
      unnamed: 'channel.k8s.io',
      serve: (conn: ChannelConnection, protocol: string) => {
        const wanted = (name: 'stdin' | 'stdout' | 'stderr') => (options[name] ? conn.channel(CHANNEL[name]) : undefined);
        const channels: Channels = {
          protocol, error: conn.channel(CHANNEL.error), stdin: wanted('stdin'), stdout: wanted('stdout'), stderr: wanted('stderr'),
          resize: options.tty ? conn.channel(CHANNEL.resize) : undefined, closed: conn.closed,
        };
        // as kubelet: an empty message on the first output channel tells the client the session is up
        conn.announce(options.stdout ? CHANNEL.stdout : options.stderr ? CHANNEL.stderr : CHANNEL.error);
        run(channels, handler, onError, () => conn.close());
      },
    },
  };
}

function run(channels: Channels, handler: ChannelsHandler, onError: (err: unknown) => void, close: () => void): void {
  handler(channels)
    .catch((err) => onError(err))
    .finally(() => endChannels(channels).then(close));
}

/** Calls apply for each size the client sends: JSON objects {"Width":..,"Height":..}, one after another. */
export function onResize(stream: ChannelStream | undefined, apply: (size: TerminalSize) => void): void {
  let buffered = '';
  stream?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let end: number;
    while ((end = buffered.indexOf('}')) >= 0) {
      const text = buffered.slice(0, end + 1);
      buffered = buffered.slice(end + 1);
      try {
        const size = JSON.parse(text.slice(text.indexOf('{')));
        if (size.Width > 0 && size.Height > 0) apply({ width: size.Width, height: size.Height });
      } catch {
        // not a size: skipped, as one bad message must not end the session
      }
    }
  });
}

/** A failed command's exit code, as kubelet reports it. */
export function reportExitCode(ch: Channels, cmd: string[], code: number): void {
  const message = `command terminated with non-zero exit code: error executing command ${JSON.stringify(cmd)}, exit code ${code}`;
  ch.error.write(!STATUS_PROTOCOLS.has(ch.protocol) ? message : JSON.stringify({
    metadata: {}, status: 'Failure', message, reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  }));
}

/** A failure of the session itself (the client prints the message). */
export function reportFailure(ch: Channels, message: string): void {
  ch.error.write(!STATUS_PROTOCOLS.has(ch.protocol) ? message
    : JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError' }));
}

/** Ends the output channels; what the client's window still holds back reaches it first (bounded). */
async function endChannels(ch: Channels): Promise<void> {
  const flushed = [ch.stdout, ch.stderr, ch.error].filter((x) => x !== undefined).map((x) => new Promise<void>((resolve) => {
    x!.once('finish', resolve);
    x!.once('close', resolve);
    x!.end();
  }));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(flushed), new Promise((r) => { timer = setTimeout(r, FLUSH_MS); })]);
  clearTimeout(timer);
}
