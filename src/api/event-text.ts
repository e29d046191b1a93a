// Events in words: net-event's lines (virsh's `event 'lifecycle' for network NAME: Started` for lifecycle events,
// the same shape for virtnet's other kinds: lease, updated, repaired, failed) and virtnetd's log lines. Pure.

import type { Lease, NetworkEvent } from './types.js';

/** The kinds `net-event --event` takes, as `--list` prints them; lifecycle is virsh's, the rest virtnet's. */
export const EVENT_KINDS = ['lifecycle', 'lease', 'updated', 'repaired', 'failed'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

const LIFECYCLE: Record<string, string> = {
  defined: 'Defined',
  undefined: 'Undefined',
  started: 'Started',
  stopped: 'Stopped',
};

/** The kind an API event belongs to (its own type for everything but virsh's lifecycle events). */
export function eventKind(e: NetworkEvent): string {
  return LIFECYCLE[e.type] ? 'lifecycle' : e.type;
}

type Detail = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function leaseWords(l: Partial<Lease>): string {
  const name = l.hostname ? ` (${l.hostname})` : '';
  return `${l.mac ?? '?'} ${l.ipaddr ?? '?'}${name}`;
}

/** A lease change in words: `52:54:00:aa:00:01 192.168.122.50 (web) leased; ... released`. */
export function leaseText(d: Detail): string {
  const list = (v: unknown) => (Array.isArray(v) ? (v as Array<Partial<Lease>>) : []);
  const parts = [
    ...list(d.leases).map((l) => `${leaseWords(l)} leased`),
    ...list(d.removed).map((l) => `${leaseWords(l)} released`),
  ];
  return parts.join('; ') || 'leases changed';
}

function updatedText(d: Detail): string {
  if (typeof d.autostart === 'boolean') return `autostart ${d.autostart ? 'enabled' : 'disabled'}`;
  if (d.section) {
    const where = [d.live ? 'live' : '', d.config ? 'config' : ''].filter(Boolean).join(', ');
    return `${text(d.command)} ${text(d.section)}${where ? ` (${where})` : ''}`;
  }
  if (d.runtimeEvent === 'dnsmasq-restarted')
    return `dnsmasq restarted${d.pid ? ` (pid ${text(d.pid)})` : ''}`;
  // FRR serves every overlay network of the host: each of them gets the event, naming the daemon
  if (d.runtimeEvent === 'frr-restarted')
    return `FRR's ${text(d.process) || 'daemon'} restarted${d.pid ? ` (pid ${text(d.pid)})` : ''}`;
  if (d.runtimeEvent === 'drift' && Array.isArray(d.problems)) return `drift: ${d.problems.join('; ')}`;
  if (d.runtimeEvent === 'error') return `${text(d.step) || 'error'} failed: ${text(d.message)}`;
  return genericText(d);
}

function repairedText(d: Detail): string {
  if (Array.isArray(d.problems) && d.problems.length) return `repaired ${d.problems.join('; ')}`;
  if (d.restored) return `${text(d.restored)} restored${d.reason ? ` (${text(d.reason)})` : ''}`;
  return 'repaired';
}

function failedText(d: Detail): string {
  const hint = d.hint ? ` (what to do: ${text(d.hint)})` : '';
  return `${text(d.operation) || 'operation'} failed: ${text(d.message)}${hint}`;
}

/** key=value pairs of the scalar details, for kinds this version does not know. */
function genericText(d: Detail): string {
  const pairs = Object.entries(d)
    .filter(([k, v]) => k !== 'runtimeEvent' && (typeof v !== 'object' || v === null))
    .map(([k, v]) => `${k}=${String(v)}`);
  const what = typeof d.runtimeEvent === 'string' ? d.runtimeEvent : '';
  return [what, ...pairs].filter(Boolean).join(' ') || 'changed';
}

/** One event as net-event prints it, without the timestamp prefix. */
export function eventLine(e: NetworkEvent): string {
  const kind = eventKind(e);
  const d = e.detail ?? {};
  const what =
    kind === 'lifecycle'
      ? (LIFECYCLE[e.type] as string)
      : kind === 'lease'
        ? leaseText(d)
        : kind === 'updated'
          ? updatedText(d)
          : kind === 'repaired'
            ? repairedText(d)
            : kind === 'failed'
              ? failedText(d)
              : genericText(d);
  return `event '${kind}' for network ${e.name}: ${what}`;
}
