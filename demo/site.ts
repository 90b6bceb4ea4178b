/** The demo origin: a small bank-like site written for Tandem. (Stub until the demo lands.) */

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoSite {
  readonly url: string;
  close(): Promise<void>;
}

export async function startDemoSite(port = 0, host = '127.0.0.1'): Promise<DemoSite> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Demo Bank</title><h1>Demo Bank</h1>');
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
