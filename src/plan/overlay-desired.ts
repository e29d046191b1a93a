// The desired state of a network's overlay on this host: its VXLAN device, the MTU that fits the underlay, the
// members and learned bindings dnsmasq is rendered with, and this host's FRR (files and processes, shared by every
// overlay network). Built from the definition and the host's overlay facts; pure data.

import type { NetworkDef } from '../model/network-def.js';
import { overlayMtu, readOverlay, vxlanDeviceName } from '../model/network-overlay.js';
import { type OverlayConfig, overlayMembers } from '../model/overlay-config.js';
import { type MemberContext, memberDef, type OverlayBinding, sliceProblem } from '../model/overlay-dhcp.js';
import { renderBgpdConf, renderZebraConf } from '../render/frr-conf.js';
import type { FrrLayout } from './overlay-host.js';
import type { ProcessRef } from './steps.js';

export interface FrrFile {
  path: string;
  content: string;
}

export interface FrrProcess {
  ref: ProcessRef;
  argv: string[];
}

/** This host's FRR: its two configuration files and its two daemons (zebra first: bgpd talks to it). */
export interface DesiredFrr {
  files: FrrFile[];
  processes: FrrProcess[];
  /** FRR's directory of the pathspace (removed when FRR stops). */
  stateDir: string;
}

export interface DesiredOverlay {
  vni: number;
  /** The VXLAN device (vxlanVNI). */
  device: string;
  /** This host's VTEP address (the VXLAN device's local address). */
  local: string;
  /** The bridge's and ports' MTU (0 when it cannot be had: see `problems`). */
  mtu: number;
  /** What dnsmasq's files are rendered with (slices of the DHCP range, learned bindings). */
  member: MemberContext;
  frr: DesiredFrr;
  /** Another overlay network of this host is active: stopping this one leaves FRR running. */
  keepFrr: boolean;
  /** Why the overlay cannot be made on this host (a start refuses; nothing is changed). */
  problems: string[];
}

/** What the host side knows that the overlay's desired state depends on. */
export interface OverlayFacts {
  config: OverlayConfig;
  frr: FrrLayout;
  frrInstalled: boolean;
  underlay?: { device: string; mtu: number };
  bindings: OverlayBinding[];
}

export const FRR_PACKAGE_HINT = "install Debian's package 'frr' (apt-get install frr)";

function frrProcess(layout: FrrLayout, program: 'zebra' | 'bgpd', extra: string[]): FrrProcess {
  const conf = `${layout.confDir}/${program}.conf`;
  return {
    ref: {
      id: `frr:${program}`,
      network: '',
      program,
      pidFile: `${layout.stateDir}/${program}.pid`,
      match: `--config_file=${conf}`,
    },
    argv: [
      program === 'zebra' ? layout.zebra : layout.bgpd,
      '-d',
      '-N',
      layout.pathspace,
      `--config_file=${conf}`,
      `--pid_file=${layout.stateDir}/${program}.pid`,
      // no vty over TCP: vtysh talks to the daemons through their sockets in the pathspace directory
      '-P',
      '0',
      ...extra,
      '--log',
      `file:${layout.confDir}/${program}.log`,
    ],
  };
}

/** This host's FRR for the fabric configuration. */
export function desiredFrr(config: OverlayConfig, layout: FrrLayout): DesiredFrr {
  return {
    files: [
      { path: `${layout.confDir}/zebra.conf`, content: renderZebraConf(config) },
      { path: `${layout.confDir}/bgpd.conf`, content: renderBgpdConf(config) },
    ],
    processes: [
      // a large netlink buffer, as Debian's defaults give zebra: a busy FDB must not overflow it
      frrProcess(layout, 'zebra', ['-s', '90000000']),
      // BGP listens on the VTEP address only, not on every address of the host
      frrProcess(layout, 'bgpd', ['-l', config.address]),
    ],
    stateDir: layout.stateDir,
  };
}

/**
 * The definition as this host runs it (the overlay's MTU filled in) and its desired overlay; no overlay for a
 * network without the element. `facts` undefined: virtnetd runs without --overlay-address.
 */
export function desiredOverlayOf(
  def: NetworkDef,
  facts: OverlayFacts | undefined,
  keepFrr: boolean,
): { def: NetworkDef; overlay?: DesiredOverlay } {
  const element = readOverlay(def);
  if (!element) return { def };
  const problems: string[] = [];
  const device = vxlanDeviceName(element.vni);
  if (!facts) {
    problems.push(
      `network '${def.name}' spans hosts (VNI ${element.vni}), but virtnetd runs without --overlay-address: start it with --overlay-address ADDR --overlay-peers ADDR,…`,
    );
    return {
      def,
      overlay: {
        vni: element.vni,
        device,
        local: '',
        mtu: 0,
        member: { members: [], self: '', bindings: [], mtu: 0 },
        frr: { files: [], processes: [], stateDir: '' },
        keepFrr,
        problems,
      },
    };
  }
  if (!facts.frrInstalled)
    problems.push(`FRR is not installed (zebra and bgpd run the overlay's BGP-EVPN): ${FRR_PACKAGE_HINT}`);
  let mtu = 0;
  if (!facts.underlay) {
    problems.push(`the overlay address ${facts.config.address} is no longer an address of this host`);
  } else {
    const m = overlayMtu(def, facts.underlay.mtu);
    if ('error' in m) problems.push(`${m.error} (underlay device ${facts.underlay.device})`);
    else mtu = m.mtu;
  }
  const members = overlayMembers(facts.config);
  const slice = sliceProblem(def, members.length);
  if (slice) problems.push(slice);
  // no STP: the members' bridges share one MAC, so each would take the others' BPDUs for its own and block the
  // VXLAN port; EVPN never loops (a member does not forward what came from the overlay back into it)
  const live: NetworkDef = { ...def, ...(mtu ? { mtu } : {}), bridge: { ...def.bridge, stp: false } };
  return {
    def: live,
    overlay: {
      vni: element.vni,
      device,
      local: facts.config.address,
      mtu,
      member: { members, self: facts.config.address, bindings: facts.bindings, mtu },
      frr: desiredFrr(facts.config, facts.frr),
      keepFrr,
      problems,
    },
  };
}

/** The definition dnsmasq's files are rendered from: the network's, or this member's view of an overlay's. */
export function dnsmasqDefOf(def: NetworkDef, overlay: DesiredOverlay | undefined): NetworkDef {
  return overlay?.mtu ? memberDef(def, overlay.member) : def;
}
