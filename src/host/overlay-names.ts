// The overlay's name exchange, plain DNS over the underlay: each member answers PTR queries for the addresses of
// its own guests (the host names they gave its dnsmasq) on its VTEP address, UDP port OVERLAY_NAME_PORT; a member
// that learned a remote guest from EVPN asks the VTEP that announced it. EVPN says what is where; this only
// fetches the name. An address is enough to find the network: two networks on one host never share a subnet.

import { createSocket, type Socket } from 'node:dgram';
import type { Disposable } from '../base/lifecycle.js';
import {
  decodeAnswer,
  decodeQuery,
  encodeAnswer,
  encodePtrQuery,
  RCODE_REFUSED,
} from '../render/dns-message.js';

export const OVERLAY_NAME_PORT = 8053;

/** Answers PTR queries on address:port with `lookup`; anything else is refused. */
export function serveNames(
  address: string,
  port: number,
  lookup: (ip: string) => Promise<string | undefined>,
  log: (msg: string) => void,
): Disposable {
  const sock: Socket = createSocket({ type: 'udp4', reuseAddr: true });
  sock.on('error', (e) => log(`overlay name service on ${address}:${port}: ${e.message}`));
  sock.on('message', (msg, rinfo) => {
    const q = decodeQuery(msg);
    if (!q) return;
    const reply = (name: string | undefined, rcode?: number) =>
      sock.send(encodeAnswer(q.id, q.question, name, rcode), rinfo.port, rinfo.address);
    if (q.ip === undefined) reply(undefined, RCODE_REFUSED);
    else lookup(q.ip).then(reply, () => reply(undefined));
  });
  sock.bind(port, address);
  return { dispose: () => new Promise<void>((resolve) => sock.close(() => resolve())) };
}

let nextId = Math.floor(Math.random() * 0xffff);

/** Asks `vtep` for the name of `ip` (undefined: no name, no answer within `timeoutMs`). */
export function queryName(
  vtep: string,
  port: number,
  ip: string,
  local: string,
  timeoutMs = 500,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    nextId = (nextId + 1) & 0xffff;
    const id = nextId;
    const sock = createSocket('udp4');
    let done = false;
    const finish = (name: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(name);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.address === vtep) finish(decodeAnswer(msg, id));
    });
    sock.bind(0, local, () => sock.send(encodePtrQuery(id, ip), port, vtep));
  });
}
