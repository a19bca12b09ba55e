/** ttrpc addresses come as unix:///path (shim sockets) or a bare path (TTRPC_ADDRESS). */
export function socketPathOf(address: string): string {
  return address.startsWith('unix://') ? address.slice('unix://'.length) : address;
}
