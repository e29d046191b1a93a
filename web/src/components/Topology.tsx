// uplink → mode → bridge (+dnsmasq) → ports → guests, left to right, laid out deterministically.
import type { NetDetails } from '../data';
import { navigate, networkHref } from '../router';
import { type Rate, rateText, type Traffic } from '../stats';
import { modeLabel } from '../xml';

const COL = 170;
/** Wider columns when the edges carry traffic labels. */
const COL_LIVE = 200;
const ROW = 56;
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
  const bad = (d.problems?.length ?? 0) > 0;
  const live = d.info.active && traffic !== undefined;
  const col = live ? COL_LIVE : COL;
  const ports = [...d.ports].sort(
    (a, b) =>
      a.owner.name.localeCompare(b.owner.name) ||
      (a.device?.name ?? a.mac).localeCompare(b.device?.name ?? b.mac),
  );
  const guests = [...new Set(ports.map((p) => p.owner.name))];
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
      sub: 'guest',
      x: 10 + 4 * col,
      y: mid(guests.length, i),
      testid: `topo-guest-${g}`,
    });
  });
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
  const width = 10 + (ports.length ? 5 : 3) * col;
  return (
    <figure class="topology">
      <svg
        data-testid="topology"
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        aria-label={`Topology of ${d.info.name}: ${uplink}, ${modeLabel(d.info.mode, d.xml)}, bridge, ${ports.length} ports, guests ${guests.join(', ') || 'none'}${bad ? `. Problems: ${problemText}` : ''}`}
      >
        {edges.map(([a, b]) => {
          const s = byId.get(a)!;
          const t = byId.get(b)!;
          const x1 = s.x + W;
          const y1 = s.y + H / 2;
          const x2 = t.x;
          const y2 = t.y + H / 2;
          const cx = (x1 + x2) / 2;
          const k = `${a}>${b}`;
          const labelled = edgeRate.has(k);
          const r = edgeRate.get(k);
          return (
            <g key={k}>
              <path
                class={r && r.rx + r.tx > 0 ? 'edge busy' : 'edge'}
                d={`M${x1},${y1} C${cx},${y1} ${cx},${y2} ${x2},${y2}`}
              />
              {labelled && (
                <text
                  x={cx}
                  y={(y1 + y2) / 2 - 4}
                  text-anchor="middle"
                  class="rate"
                  data-testid={`topo-rate-${b}`}
                >
                  {r ? (
                    <>
                      <tspan x={cx} dy="-0.6em">
                        ↓{short(r.rx)}/s
                      </tspan>
                      <tspan x={cx} dy="1.1em">
                        ↑{short(r.tx)}/s
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
          (counted on each device: rx is what it received).
        </figcaption>
      )}
      {!d.info.active && <figcaption class="muted">Not running: no ports or guests.</figcaption>}
      {bad && <figcaption class="bad">Problems: {problemText}</figcaption>}
    </figure>
  );
}

function short(n: number): string {
  if (n < 1000) return `${Math.round(n)}B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

/** Where a node's row lives: ports and guests on the Guests tab, the bridge and dnsmasq on Leases, else Overview. */
function tabOf(id: string): string {
  if (id.startsWith('port-') || id.startsWith('guest-')) return 'guests';
  if (id === 'bridge') return 'leases';
  return 'overview';
}
