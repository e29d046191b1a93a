// Network XML builders for the runtime end-to-end tests.

/** A NAT network with DHCP on 10.<n>.0.0/24 (bridge vrt<n>), optionally with IPv6 and an MTU. */
export function natXml(n: number, opts: { v6?: boolean; mtu?: number; mode?: string } = {}): string {
  const hex = n.toString(16).padStart(2, '0');
  const fwd = opts.mode === 'isolated' ? '' : `<forward mode='${opts.mode ?? 'nat'}'/>`;
  return `<network>
  <name>rt${n}</name>
  ${fwd}
  <bridge name='vrt${n}' stp='on' delay='0'/>
  <mac address='52:54:00:aa:00:${hex}'/>
  ${opts.mtu ? `<mtu size='${opts.mtu}'/>` : ''}
  <ip address='10.${n}.0.1' netmask='255.255.255.0'>
    <dhcp><range start='10.${n}.0.2' end='10.${n}.0.254'/></dhcp>
  </ip>
  ${opts.v6 ? `<ip family='ipv6' address='fd00:${hex}::1' prefix='64'/>` : ''}
</network>
`;
}
