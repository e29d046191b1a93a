// tc and ip commands for one device's bandwidth, as libvirt writes them where the kernel allows: htb quanta, ifb
// names, classic BPF matches (this kernel may lack u32), and limits on what a device receives. Pure.

import type { BandwidthRate } from '../model/network-def.js';
import type { Action } from './steps.js';
import type { TcFeatures } from './tc-features.js';

/** libvirt's htb quantum for a rate (virNetDevBandwidthCmdAddOptimalQuantum), at least 1. */
export function quantum(average: number | undefined): number {
  return Math.max(1, Math.floor(((average ?? 0) * 1024) / 8 / 1500));
}

/** FNV-1a, for ifb names of devices whose own name leaves no room. */
function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ (c.codePointAt(0) as number), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The ifb device that takes what `dev` receives: ifb-DEV when that fits in 15 characters. */
export function ifbName(dev: string): string {
  return dev.length <= 11 ? `ifb-${dev}` : `ifb-${shortHash(dev)}`;
}

/** Whether what a device receives is policed (libvirt's way) rather than shaped on an ifb device. */
export function policesIngress(tc: TcFeatures): boolean {
  return tc.police && tc.u32;
}

/** A classic BPF program for cls_bpf: every packet, or those to one MAC (the classifier this kernel may lack u32 for). */
export function bpfBytecode(mac?: string): string {
  if (!mac) return '1,6 0 0 4294967295';
  const b = mac.split(':').map((x) => Number.parseInt(x, 16));
  const word =
    (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0;
  const half = ((b[4] as number) << 8) | (b[5] as number);
  // ld [0]; jeq word, else ret 0; ldh [4]; jeq half, else ret 0; ret -1 (match)
  return `6,32 0 0 0,21 0 3 ${word},40 0 0 4,21 0 1 ${half},6 0 0 4294967295,6 0 0 0`;
}

export const tcBatch = (stdin: string, extra: Partial<Extract<Action, { kind: 'exec' }>> = {}): Action => ({
  kind: 'exec',
  argv: ['tc', '-batch', '-'],
  stdin,
  ...extra,
});

/**
 * Limits what `dev` receives (a guest's outbound on its tap, a network's outbound on its bridge) to `rate`.
 * libvirt polices it; without act_police the traffic goes through an ifb device shaped by htb.
 */
export function ingressLimit(
  dev: string,
  rate: BandwidthRate,
  features: TcFeatures,
): { do: Action[]; undo: Action[]; ifb?: string } {
  const avg = rate.average ?? 0;
  if (policesIngress(features) || !(features.ifb && features.mirred && (features.u32 || features.bpf))) {
    // libvirt's burst default is a second's worth (at most what tc's u32 byte count holds)
    const burst = rate.burst ?? Math.min(avg, Math.floor(0xffffffff / 1024));
    return {
      do: [
        tcBatch(
          `qdisc add dev ${dev} ingress\nfilter add dev ${dev} parent ffff: protocol all u32 match u32 0 0 police rate ${avg}kbps burst ${burst}kb mtu 64kb drop flowid :1\n`,
          policesIngress(features)
            ? {}
            : {
                explain:
                  'limiting what a device receives needs tc police (act_police) or an ifb device with act_mirred; this kernel has neither',
              },
        ),
      ],
      undo: [{ kind: 'exec', argv: ['tc', 'qdisc', 'del', 'dev', dev, 'ingress'], mayFail: true }],
    };
  }
  const ifb = ifbName(dev);
  const match = features.u32 ? 'u32 match u32 0 0' : `bpf bytecode "${bpfBytecode()}"`;
  return {
    ifb,
    do: [
      { kind: 'exec', argv: ['ip', 'link', 'add', ifb, 'type', 'ifb'] },
      { kind: 'exec', argv: ['ip', 'link', 'set', 'dev', ifb, 'up'] },
      tcBatch(
        [
          `qdisc add dev ${ifb} root handle 1: htb default 1`,
          `class add dev ${ifb} parent 1: classid 1:1 htb rate ${avg}kbps${rate.burst ? ` burst ${rate.burst}kb` : ''}`,
          `qdisc add dev ${dev} ingress`,
          `filter add dev ${dev} parent ffff: protocol all ${match} action mirred egress redirect dev ${ifb}`,
          '',
        ].join('\n'),
      ),
    ],
    undo: [
      { kind: 'exec', argv: ['tc', 'qdisc', 'del', 'dev', dev, 'ingress'], mayFail: true },
      { kind: 'exec', argv: ['ip', 'link', 'del', 'dev', ifb], mayFail: true },
    ],
  };
}

export function clearActions(dev: string): Action[] {
  return [
    { kind: 'exec', argv: ['tc', 'qdisc', 'del', 'dev', dev, 'root'], mayFail: true },
    { kind: 'exec', argv: ['tc', 'qdisc', 'del', 'dev', dev, 'ingress'], mayFail: true },
  ];
}
