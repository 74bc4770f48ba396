/** Starts a server of the agent's (HTTP/1.1 or HTTP/2) on host:port and answers the port bound. */
import type { AddressInfo, Server } from 'node:net';

export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
