// uplink → mode → bridge (+dnsmasq) → ports → guests (with their addresses), left to right, or top to bottom on
// narrow screens, laid out deterministically.
import './topology.css';
import { useEffect, useState } from 'preact/hooks';
import type { NetDetails } from '../data';
import { navigate, networkHref } from '../router';
import { humanRate, type Rate, rateText, type Traffic } from '../stats';
import { modeLabel } from '../xml';

const COL = 170;
/** Wider columns when the edges carry traffic labels. */
const COL_LIVE = 240;
const ROW = 56;
/** Vertical layout: the distance between levels and between nodes of one level. */
const LEVEL_V = 92;
const ROW_V = 140;
const NARROW = '(max-width: 640px)';

function useNarrow(): boolean {
  const q = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(NARROW) : undefined;
  const [narrow, setNarrow] = useState(q?.matches ?? false);
  useEffect(() => {
    if (!q) return;
    const on = () => setNarrow(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return narrow;
}
const W = 130;
const H = 36;

interface Node {
  id: string;
  label: string;
  sub?: string;
  x: number;
  y: number;
  bad?: boolean;
  testid?: string;
}

export function Topology({ d, traffic }: { d: NetDetails; traffic?: Traffic | undefined }) {
  const vertical = useNarrow();
  const bad = (d.problems?.length ?? 0) > 0;
  const live = d.info.active && traffic !== undefined;
  const col = live ? COL_LIVE : COL;
  const ports = [...d.ports].sort(
    (a, b) =>
      a.owner.name.localeCompare(b.owner.name) ||
      (a.device?.name ?? a.mac).localeCompare(b.device?.name ?? b.mac),
  );
  const guests = [...new Set(ports.map((p) => p.owner.name))];
  // a guest's addresses: its ports' reservations, else what dnsmasq leased to their MACs
  const leaseOf = new Map(d.leases.map((l) => [l.mac.toLowerCase(), l.ipaddr]));
  const ipsOf = (g: string) => [
    ...new Set(
      ports.filter((p) => p.owner.name === g).flatMap((p) => p.ip ?? leaseOf.get(p.mac.toLowerCase()) ?? []),
    ),
  ];
  const rows = Math.max(1, ports.length, guests.length);
  const height = rows * ROW + 20;
  const mid = (n: number, i: number) => 10 + ((rows - n) * ROW) / 2 + i * ROW + (ROW - H) / 2;
  const problemText = (d.problems ?? []).map((p) => p.what).join('; ');
  const hasDhcp = d.xml?.ips.some((ip) => ip.ranges.length > 0 || ip.hosts.length > 0) ?? false;
  const uplink = d.xml?.forwardDev ?? d.info.uplink ?? (d.info.mode === 'isolated' ? 'none' : 'host routes');
  const nodes: Node[] = [
    { id: 'uplink', label: 'uplink', sub: uplink, x: 10, y: mid(1, 0), bad },
    {
      id: 'mode',
      label: modeLabel(d.info.mode, d.xml, d.info.bridge, d.info.uplink),
      sub: d.info.mode,
      x: 10 + col,
      y: mid(1, 0),
      bad,
    },
    {
      id: 'bridge',
      label: d.info.bridge ?? d.xml?.bridge ?? 'bridge',
      sub: hasDhcp ? '+ dnsmasq' : 'bridge',
      x: 10 + 2 * col,
      y: mid(1, 0),
      bad,
    },
  ];
  ports.forEach((p, i) => {
    nodes.push({
      id: `port-${p.uuid}`,
      label: p.device?.name ?? 'port',
      sub: p.mac,
      x: 10 + 3 * col,
      y: mid(ports.length, i),
      bad,
    });
  });
  guests.forEach((g, i) => {
    nodes.push({
      id: `guest-${g}`,
      label: g,
      sub: ipsOf(g).join(', ') || 'no address yet',
      x: 10 + 4 * col,
      y: mid(guests.length, i),
      testid: `topo-guest-${g}`,
    });
  });
  if (vertical) {
    // the same levels top to bottom: a level's x becomes its y; nodes of a level side by side
    const levelOf = (n: Node) => Math.round((n.x - 10) / col);
    const perLevel = new Map<number, Node[]>();
    for (const n of nodes) perLevel.set(levelOf(n), [...(perLevel.get(levelOf(n)) ?? []), n]);
    const widest = Math.max(...[...perLevel.values()].map((l) => l.length));
    for (const [level, list] of perLevel)
      list.forEach((n, i) => {
        n.x = 10 + ((widest - list.length) * ROW_V) / 2 + i * ROW_V;
        n.y = 10 + level * LEVEL_V;
      });
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // Rates on the edges: the bridge's counters between it and the uplink side, each port's between it and the bridge.
  const edgeRate = new Map<string, Rate | undefined>();
  if (live) {
    edgeRate.set('mode>bridge', traffic.bridge);
    for (const p of ports) edgeRate.set(`bridge>port-${p.uuid}`, traffic.ports.get(p.uuid));
  }
  const edges: Array<[string, string]> = [
    ['uplink', 'mode'],
    ['mode', 'bridge'],
    ...ports.map((p): [string, string] => ['bridge', `port-${p.uuid}`]),
    ...ports.map((p): [string, string] => [`port-${p.uuid}`, `guest-${p.owner.name}`]),
  ];
  const levels = ports.length ? 5 : 3;
  const widestV = Math.max(1, ports.length, guests.length);
  const width = vertical ? 20 + (widestV - 1) * ROW_V + W : 10 + levels * col;
  const svgHeight = vertical ? 20 + (levels - 1) * LEVEL_V + H : height;
  return (
    <figure class="topology">
      <svg
        data-testid="topology"
        viewBox={`0 0 ${width} ${svgHeight}`}
        width={width}
        height={svgHeight}
        data-layout={vertical ? 'vertical' : 'horizontal'}
        aria-label={`Topology of ${d.info.name}: ${uplink}, ${modeLabel(d.info.mode, d.xml)}, bridge, ${ports.length} ports, guests ${guests.join(', ') || 'none'}${bad ? `. Problems: ${problemText}` : ''}`}
      >
        {edges.map(([a, b]) => {
          const s = byId.get(a)!;
          const t = byId.get(b)!;
          const x1 = vertical ? s.x + W / 2 : s.x + W;
          const y1 = vertical ? s.y + H : s.y + H / 2;
          const x2 = vertical ? t.x + W / 2 : t.x;
          const y2 = vertical ? t.y : t.y + H / 2;
          const cx = (x1 + x2) / 2;
          const cy = (y1 + y2) / 2;
          const curve = vertical
            ? `M${x1},${y1} C${x1},${cy} ${x2},${cy} ${x2},${y2}`
            : `M${x1},${y1} C${cx},${y1} ${cx},${y2} ${x2},${y2}`;
          const k = `${a}>${b}`;
          const labelled = edgeRate.has(k);
          const r = edgeRate.get(k);
          return (
            <g key={k}>
              <path class={r && r.rx + r.tx > 0 ? 'edge busy' : 'edge'} d={curve} />
              {labelled && (
                <text
                  x={vertical ? cx + 6 : cx}
                  y={cy - 4}
                  text-anchor={vertical ? 'start' : 'middle'}
                  class="rate"
                  data-testid={`topo-rate-${b}`}
                >
                  {r ? (
                    <>
                      <tspan x={vertical ? cx + 6 : cx} dy="-0.6em">
                        in {humanRate(r.rx)}
                      </tspan>
                      <tspan x={vertical ? cx + 6 : cx} dy="1.2em">
                        out {humanRate(r.tx)}
                      </tspan>
                    </>
                  ) : (
                    '…'
                  )}
                </text>
              )}
            </g>
          );
        })}
        {nodes.map((n) => (
          <a
            key={n.id}
            href={networkHref(d.info.name, tabOf(n.id))}
            onClick={(e) => {
              e.preventDefault();
              navigate(networkHref(d.info.name, tabOf(n.id)));
            }}
          >
            <g
              class={n.bad ? 'node bad' : 'node'}
              data-testid={n.testid}
              transform={`translate(${n.x},${n.y})`}
            >
              <title>{n.bad ? `${n.label}: ${problemText}` : n.label}</title>
              <rect width={W} height={H} rx={6} />
              <text x={W / 2} y={15} text-anchor="middle">
                {n.label.length > 18 ? n.label.slice(0, 17) + '…' : n.label}
              </text>
              {n.sub && (
                <text x={W / 2} y={29} text-anchor="middle" class="sub">
                  {n.sub.length > 20 ? n.sub.slice(0, 19) + '…' : n.sub}
                </text>
              )}
            </g>
          </a>
        ))}
      </svg>
      {live && (
        <figcaption class="muted" data-testid="topo-traffic">
          Traffic, sampled every 2 s: {traffic.stats.bridge?.name ?? 'bridge'} {rateText(traffic.bridge)}{' '}
          ("in" is what each device received, "out" what it sent).
        </figcaption>
      )}
      {!d.info.active && <figcaption class="muted">Not running: no ports or guests.</figcaption>}
      {bad && <figcaption class="bad">Problems: {problemText}</figcaption>}
    </figure>
  );
}

/** Where a node's row lives: ports and guests on the Guests tab, the bridge and dnsmasq on Leases, else Overview. */
function tabOf(id: string): string {
  if (id.startsWith('port-') || id.startsWith('guest-')) return 'guests';
  if (id === 'bridge') return 'leases';
  return 'overview';
}
