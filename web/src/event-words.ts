// A network event in plain words for the Activity tab ("Guest web1 got 10.0.0.5 (lease)"), not key=value. Pure.
import type { NetworkEvent } from '../../src/api/types';

interface LeaseLike {
  mac?: string;
  ipaddr?: string;
  hostname?: string;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function leaseText(l: LeaseLike): string {
  const who = l.hostname ? `${l.hostname} (${l.mac ?? 'unknown MAC'})` : (l.mac ?? 'a guest');
  return `${who} got ${l.ipaddr ?? 'an address'}`;
}

/** What happened, in one sentence; `tone` marks what needs attention. */
export function describeEvent(e: NetworkEvent): { text: string; tone: 'ok' | 'bad' | 'info' } {
  const d = e.detail ?? {};
  switch (e.type) {
    case 'defined':
      return { text: 'Defined (saved).', tone: 'info' };
    case 'undefined':
      return { text: 'Undefined: the saved definition was removed.', tone: 'info' };
    case 'started':
      return { text: 'Started.', tone: 'ok' };
    case 'stopped':
      return { text: 'Stopped.', tone: 'info' };
    case 'lease': {
      const got = (Array.isArray(d.leases) ? d.leases : []) as LeaseLike[];
      const gone = (Array.isArray(d.removed) ? d.removed : []) as LeaseLike[];
      const parts = [
        ...got.map(leaseText),
        ...gone.map((l) => `${l.hostname ?? l.mac ?? 'a guest'} released ${l.ipaddr ?? 'its address'}`),
      ];
      return { text: parts.length ? `DHCP: ${parts.join('; ')}.` : 'DHCP leases changed.', tone: 'info' };
    }
    case 'repaired': {
      const how =
        d.trigger === 'heal'
          ? 'automatically'
          : d.trigger === 'adopt'
            ? 'when the daemon started'
            : 'on request';
      const what = list(d.problems);
      return { text: `Repaired ${how}: ${what.join('; ') || 'nothing was missing'}.`, tone: 'ok' };
    }
    case 'failed': {
      const hint = str(d.hint);
      return {
        text: `${str(d.operation) ?? 'An operation'} failed: ${str(d.message) ?? 'no reason given'}${hint ? `. What to do: ${hint}` : ''}`,
        tone: 'bad',
      };
    }
    case 'updated':
      return updatedText(d);
  }
  return { text: e.type, tone: 'info' };
}

function updatedText(d: Record<string, unknown>): { text: string; tone: 'ok' | 'bad' | 'info' } {
  const rt = str(d.runtimeEvent);
  if (rt === 'drift') {
    const p = list(d.problems);
    return p.length
      ? { text: `The host differs from the definition: ${p.join('; ')}.`, tone: 'bad' }
      : { text: 'The host matches the definition again.', tone: 'ok' };
  }
  if (rt === 'degraded')
    return { text: `dnsmasq keeps failing: ${str(d.reason) ?? 'no reason given'}.`, tone: 'bad' };
  if (rt === 'recovered') return { text: 'dnsmasq runs again.', tone: 'ok' };
  if (rt === 'dnsmasq-restarted') return { text: 'dnsmasq was restarted.', tone: 'info' };
  if (rt === 'error')
    return { text: `Host error: ${str(d.message) ?? str(d.reason) ?? ''}`.trim(), tone: 'bad' };
  if (d.port === 'created' || d.port === 'deleted')
    return {
      text: `Guest ${str(d.owner) ?? '?'} ${d.port === 'created' ? 'plugged in' : 'unplugged'} (${str(d.mac) ?? 'no MAC'}).`,
      tone: 'info',
    };
  if (d.forward === 'added' || d.forward === 'deleted') {
    const f =
      `${str(d.proto) ?? ''} ${d.listenPort ?? ''} → ${str(d.targetAddress) ?? ''}:${d.targetPort ?? ''}`.trim();
    return { text: `Port forward ${f} ${d.forward}.`, tone: 'info' };
  }
  if (typeof d.autostart === 'boolean')
    return { text: `Autostart turned ${d.autostart ? 'on' : 'off'}.`, tone: 'info' };
  if (d.section) {
    const where = [d.live ? 'running network' : '', d.config ? 'saved definition' : '']
      .filter(Boolean)
      .join(' and ');
    return {
      text: `Changed (${String(d.command)} ${String(d.section)}) in the ${where || 'definition'}.`,
      tone: 'info',
    };
  }
  return { text: 'Changed.', tone: 'info' };
}
