// What every runtsctl command gets: the global flags, a client built from them, and a plain
// table printer for the list commands.
import { Client } from '../client/client';

export interface GlobalArgs {
  address: string;
  namespace: string;
}

/** Runs `work` with a connected client and closes it afterwards. */
export async function withClient<T>(args: GlobalArgs, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(args.address, args.namespace);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

export const formatLabels = (labels: Record<string, string> | undefined) =>
  Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',') || '-';

/** Prints rows under a header, columns padded to their widest cell. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  process.stdout.write([header, ...rows].map(line).join('\n') + '\n');
}

/** A run/exec command line: what came after the operand (see operand.ts), as given. */
export const commandArgs = (args: { _: (string | number)[]; command?: string[] }) =>
  [...(args.command ?? []), ...args._.slice(1)].map(String);
