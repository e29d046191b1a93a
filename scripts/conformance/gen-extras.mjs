// Real-world inputs the schema does not describe (title, comments, templates, duplicates, stray whitespace, ...),
// and some schema-valid shapes written in other styles (double quotes, one line, tabs). libvirt 9.0 decides.

import { network } from './gen-bases.mjs';
import { serialize } from './xml-tree.mjs';

const N = (body, attrs = '') => `<network${attrs}>\n  <name>conf</name>\n${body}</network>\n`;
const IP = "  <ip address='192.168.122.1' netmask='255.255.255.0'/>\n";

/** Raw documents: {id, xml}. */
export function extras() {
  const raw = {
    'title-description': N(
      `  <title>My network</title>\n  <description>A test &amp; more</description>\n${IP}`,
    ),
    'title-newline': N(`  <title>two\nlines</title>\n${IP}`),
    'xml-declaration': `<?xml version="1.0" encoding="UTF-8"?>\n${N(IP)}`,
    comments: `<!-- before -->\n${N(`  <!-- inside -->\n${IP}`)}<!-- after -->\n`,
    'processing-instruction': N(`  <?virtnet hint?>\n${IP}`),
    'cdata-name': '<network>\n  <name><![CDATA[conf]]></name>\n</network>\n',
    'entity-name': '<network>\n  <name>c&#x6f;nf</name>\n</network>\n',
    'name-spaces': '<network>\n  <name> conf </name>\n</network>\n',
    'name-newline': '<network>\n  <name>co\nnf</name>\n</network>\n',
    'name-slash': '<network>\n  <name>co/nf</name>\n</network>\n',
    'name-empty': '<network>\n  <name></name>\n</network>\n',
    'name-missing': '<network>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n</network>\n',
    'name-twice': '<network>\n  <name>conf</name>\n  <name>other</name>\n</network>\n',
    'name-child-element': '<network>\n  <name>co<b>n</b>f</name>\n</network>\n',
    'uuid-bad': '<network>\n  <name>conf</name>\n  <uuid>not-a-uuid</uuid>\n</network>\n',
    'uuid-spaces':
      '<network>\n  <name>conf</name>\n  <uuid> 81ff0d90-c91e-6742-64da-4a736edb9a9b </uuid>\n</network>\n',
    'uuid-twice':
      '<network>\n  <name>conf</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9c</uuid>\n</network>\n',
    'unknown-element': N(`  <frobnicate level='3'/>\n${IP}`),
    'unknown-attribute': N(IP, " colour='blue'"),
    'root-wrong': '<net>\n  <name>conf</name>\n</net>\n',
    'root-namespaced':
      "<network xmlns='http://libvirt.org/schemas/network'>\n  <name>conf</name>\n</network>\n",
    'forward-mode-upper': N(`  <forward mode='NAT'/>\n${IP}`),
    'forward-mode-empty': N(`  <forward mode=''/>\n${IP}`),
    'forward-mode-unknown': N(`  <forward mode='tunnel'/>\n${IP}`),
    'forward-twice': N(`  <forward mode='nat'/>\n  <forward mode='route'/>\n${IP}`),
    'bridge-template': N(`  <bridge name='vnbr%d'/>\n${IP}`),
    'bridge-template-two': N(`  <bridge name='v%d%d'/>\n${IP}`),
    'bridge-twice': N(`  <bridge name='br1'/>\n  <bridge name='br2'/>\n${IP}`),
    'bridge-stp-yes': N(`  <bridge stp='yes'/>\n${IP}`),
    'bridge-delay-negative': N(`  <bridge delay='-1'/>\n${IP}`),
    'bridge-delay-hex': N(`  <bridge delay='0x10'/>\n${IP}`),
    'bridge-delay-spaces': N(`  <bridge delay=' 5 '/>\n${IP}`),
    'mac-twice': N(`  <mac address='52:54:00:00:00:01'/>\n  <mac address='52:54:00:00:00:02'/>\n${IP}`),
    'mac-multicast': N(`  <mac address='01:54:00:00:00:01'/>\n${IP}`),
    'mac-bad': N(`  <mac address='52:54:00:00:00'/>\n${IP}`),
    'mac-dashes': N(`  <mac address='52-54-00-00-00-01'/>\n${IP}`),
    'mac-missing-address': N(`  <mac/>\n${IP}`),
    'mtu-negative': N(`  <mtu size='-1'/>\n${IP}`),
    'mtu-big': N(`  <mtu size='65536'/>\n${IP}`),
    'mtu-text': N(`  <mtu size='big'/>\n${IP}`),
    'domain-register': N(`  <domain name='example.com' register='yes'/>\n${IP}`),
    'domain-no-name': N(`  <domain localOnly='yes'/>\n${IP}`),
    'domain-twice': N(`  <domain name='a.com'/>\n  <domain name='b.com'/>\n${IP}`),
    'dns-twice': N(`  <dns enable='no'/>\n  <dns forwardPlainNames='yes'/>\n${IP}`),
    'dns-enable-bad': N(`  <dns enable='maybe'/>\n${IP}`),
    'ip-no-address': N("  <ip netmask='255.255.255.0'/>\n"),
    'ip-address-spaces': N("  <ip address=' 192.168.122.1 ' prefix='24'/>\n"),
    'ip-prefix-spaces': N("  <ip address='192.168.122.1' prefix=' 24'/>\n"),
    'ip-prefix-negative': N("  <ip address='192.168.122.1' prefix='-1'/>\n"),
    'ip-prefix-and-netmask': N("  <ip address='192.168.122.1' prefix='24' netmask='255.255.255.0'/>\n"),
    'ip-family-bad': N("  <ip family='ipv5' address='192.168.122.1' prefix='24'/>\n"),
    'ip-v4-octal': N("  <ip address='192.168.122.01' prefix='24'/>\n"),
    'ip-v4-short': N("  <ip address='10.1' prefix='8'/>\n"),
    'ip-v6-zone': N("  <ip family='ipv6' address='fe80::1%eth0' prefix='64'/>\n"),
    'ip-v6-no-family': N("  <ip address='2001:db8::1' prefix='64'/>\n"),
    'ip-two-v4-dhcp': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.9'/>\n    </dhcp>\n  </ip>\n  <ip address='192.168.123.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.123.2' end='192.168.123.9'/>\n    </dhcp>\n  </ip>\n",
    ),
    'ip-dhcp-empty': N("  <ip address='192.168.122.1' prefix='24'>\n    <dhcp/>\n  </ip>\n"),
    'ip-dhcp-twice': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.9'/>\n    </dhcp>\n    <dhcp>\n      <range start='192.168.122.20' end='192.168.122.29'/>\n    </dhcp>\n  </ip>\n",
    ),
    'ip-tftp-twice': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <tftp root='/a'/>\n    <tftp root='/b'/>\n  </ip>\n",
    ),
    'ip-lease-no-expiry': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.9'>\n        <lease unit='hours'/>\n      </range>\n    </dhcp>\n  </ip>\n",
    ),
    'ip-lease-unit-bad': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.9'>\n        <lease expiry='5' unit='days'/>\n      </range>\n    </dhcp>\n  </ip>\n",
    ),
    'ip-host-mac-and-id': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <host mac='52:54:00:00:00:01' id='00:04:b0:2a:a7:5b:b7:97:4c:bc:9c:c3:84:d3:23:e4:12:57' ip='192.168.122.5'/>\n    </dhcp>\n  </ip>\n",
    ),
    'portgroup-default-YES': N(`${IP}  <portgroup name='pg' default='YES'/>\n`),
    'portgroup-no-name': N(`${IP}  <portgroup default='yes'/>\n`),
    'portgroup-two-defaults': N(
      `${IP}  <portgroup name='a' default='yes'/>\n  <portgroup name='b' default='yes'/>\n`,
    ),
    'portgroup-same-name': N(`${IP}  <portgroup name='a'/>\n  <portgroup name='a'/>\n`),
    'vlan-no-tag': N("  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan/>\n"),
    'vlan-trunk-no': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan trunk='no'>\n    <tag id='5'/>\n  </vlan>\n",
    ),
    'vlan-tag-4096': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan>\n    <tag id='4096'/>\n  </vlan>\n",
    ),
    'vlan-native-bad': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan>\n    <tag id='5' nativeMode='both'/>\n  </vlan>\n",
    ),
    'bandwidth-zero': N(`  <bandwidth>\n    <inbound average='0'/>\n  </bandwidth>\n${IP}`),
    'bandwidth-peak-only': N(`  <bandwidth>\n    <inbound peak='100'/>\n  </bandwidth>\n${IP}`),
    'bandwidth-empty': N(`  <bandwidth/>\n${IP}`),
    'bandwidth-text': N(`  <bandwidth>\n    <inbound average='fast'/>\n  </bandwidth>\n${IP}`),
    'bandwidth-floor-network': N(
      `  <bandwidth>\n    <inbound average='100' floor='50'/>\n  </bandwidth>\n${IP}`,
    ),
    'bandwidth-outbound-floor': N(
      `  <bandwidth>\n    <outbound average='100' floor='50'/>\n  </bandwidth>\n${IP}`,
    ),
    'virtualport-unknown-type': N(
      "  <forward mode='bridge'/>\n  <bridge name='br0'/>\n  <virtualport type='vmware'/>\n",
    ),
    'virtualport-no-type': N("  <forward mode='bridge'/>\n  <bridge name='br0'/>\n  <virtualport/>\n"),
    'route-no-gateway': N(`${IP}  <route address='10.24.0.0' prefix='16'/>\n`),
    'route-unreachable': N(`${IP}  <route address='10.24.0.0' prefix='16' gateway='10.0.0.1'/>\n`),
    'dnsmasq-wrong-ns': N(
      "  <x:options xmlns:x='http://example.org/other'>\n    <x:option value='cache-size=0'/>\n  </x:options>\n",
    ),
    'dnsmasq-ns-on-element': N(
      "  <dnsmasq:options xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>\n    <dnsmasq:option value='cache-size=0'/>\n  </dnsmasq:options>\n",
    ),
    'dnsmasq-other-prefix': N(
      "  <dm:options xmlns:dm='http://libvirt.org/schemas/network/dnsmasq/1.0'>\n    <dm:option value='cache-size=0'/>\n  </dm:options>\n",
    ),
    'dnsmasq-no-value': N(
      '  <dnsmasq:options>\n    <dnsmasq:option/>\n  </dnsmasq:options>\n',
      " xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'",
    ),
    'dnsmasq-twice': N(
      "  <dnsmasq:options>\n    <dnsmasq:option value='a'/>\n  </dnsmasq:options>\n  <dnsmasq:options>\n    <dnsmasq:option value='b'/>\n  </dnsmasq:options>\n",
      " xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'",
    ),
    'metadata-twice': N(
      "  <metadata>\n    <a:x xmlns:a='http://a/'>1</a:x>\n  </metadata>\n  <metadata>\n    <b:y xmlns:b='http://b/'>2</b:y>\n  </metadata>\n",
    ),
    'metadata-same-ns-twice': N(
      "  <metadata>\n    <a:x xmlns:a='http://a/'>1</a:x>\n    <a:y xmlns:a='http://a/'>2</a:y>\n  </metadata>\n",
    ),
    'metadata-comment': N(
      "  <metadata>\n    <!-- note -->\n    <a:x xmlns:a='http://a/'>1</a:x>\n  </metadata>\n",
    ),
    'metadata-text-only': N('  <metadata>just text</metadata>\n'),
    'connections-live': N(IP, " connections='7'"),
    'ipv6-bad': N(IP, " ipv6='maybe'"),
    'trust-bad': N(IP, " trustGuestRxFilters='true'"),
    'crlf-line-ends': N(IP).replace(/\n/g, '\r\n'),
    'tab-indent': N(IP).replace(/ {2}/g, '\t'),
    'malformed-unclosed': '<network>\n  <name>conf</name>\n',
    'malformed-mismatch': '<network>\n  <name>conf</nam>\n</network>\n',
    'malformed-attr-twice': "<network>\n  <name>conf</name>\n  <bridge name='a' name='b'/>\n</network>\n",
    'malformed-trailing': '<network>\n  <name>conf</name>\n</network>\n<extra/>\n',
    empty: '',
    // found while fixing the first round of differences: the edges around them
    'lease-no-unit': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.9'>\n        <lease expiry='30'/>\n      </range>\n    </dhcp>\n  </ip>\n",
    ),
    'lease-seconds-119': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <host mac='52:54:00:00:00:01' ip='192.168.122.5'>\n        <lease expiry='119' unit='seconds'/>\n      </host>\n    </dhcp>\n  </ip>\n",
    ),
    'bootp-no-file-with-range': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.9'/>\n      <bootp server='192.168.122.5'/>\n    </dhcp>\n  </ip>\n",
    ),
    'dhcp-host-before-bad-range': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <host name='-bad' ip='192.168.122.5'/>\n      <range start='192.168.123.2' end='192.168.123.9'/>\n    </dhcp>\n  </ip>\n",
    ),
    'dhcp-range-network-address': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.122.0' end='192.168.122.9'/>\n    </dhcp>\n  </ip>\n",
    ),
    'dhcp-range-broadcast': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.255'/>\n    </dhcp>\n  </ip>\n",
    ),
    'dhcp-range-too-large': N(
      "  <ip address='10.0.0.1' prefix='8'>\n    <dhcp>\n      <range start='10.0.0.2' end='10.1.0.9'/>\n    </dhcp>\n  </ip>\n",
    ),
    'dhcp-range-netmask-holes': N(
      "  <ip address='192.168.122.1' netmask='255.0.255.0'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.9'/>\n    </dhcp>\n  </ip>\n",
    ),
    'dhcp-range-classful': N(
      "  <ip address='172.16.0.1'>\n    <dhcp>\n      <range start='172.16.1.2' end='172.16.1.9'/>\n    </dhcp>\n  </ip>\n",
    ),
    'dhcp-range-class-d': N(
      "  <ip address='224.0.0.1'>\n    <dhcp>\n      <range start='224.0.0.2' end='224.0.0.9'/>\n    </dhcp>\n  </ip>\n",
    ),
    'dhcp-host-mac-short-octets': N(
      "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n      <host mac='2:54:0:1:2:3' ip='192.168.122.5'/>\n    </dhcp>\n  </ip>\n",
    ),
    'route-gateway-netmask-holes': N(
      "  <ip address='192.168.122.1' netmask='255.0.255.0'/>\n  <route address='10.24.0.0' prefix='16' gateway='192.168.122.2'/>\n",
    ),
    'srv-service-482': N(`${IP}  <dns>\n    <srv service='${'s'.repeat(482)}' protocol='tcp'/>\n  </dns>\n`),
    'srv-service-483': N(`${IP}  <dns>\n    <srv service='${'s'.repeat(483)}' protocol='tcp'/>\n  </dns>\n`),
    'srv-protocol-bad': N(`${IP}  <dns>\n    <srv service='ldap' protocol='t.p'/>\n  </dns>\n`),
    'srv-port-trailing-space': N(
      `${IP}  <dns>\n    <srv service='ldap' protocol='tcp' target='x' port='389 '/>\n  </dns>\n`,
    ),
    'srv-port-plus': N(
      `${IP}  <dns>\n    <srv service='ldap' protocol='tcp' target='x' port='+389'/>\n  </dns>\n`,
    ),
    'txt-comma-name': N(`${IP}  <dns>\n    <txt name='a,b' value='v'/>\n  </dns>\n`),
    'dns-forwarder-empty': N(`${IP}  <dns>\n    <forwarder/>\n  </dns>\n`),
    'dns-forwarder-bad-addr-no-domain': N(`${IP}  <dns>\n    <forwarder addr='nope'/>\n  </dns>\n`),
    'dns-host-no-hostname': N(`${IP}  <dns>\n    <host ip='192.168.122.7'/>\n  </dns>\n`),
    'dns-host-empty-hostname': N(
      `${IP}  <dns>\n    <host ip='192.168.122.7'>\n      <hostname></hostname>\n    </host>\n  </dns>\n`,
    ),
    'vlan-two-native': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan trunk='yes'>\n    <tag id='5' nativeMode='tagged'/>\n    <tag id='6' nativeMode='untagged'/>\n  </vlan>\n",
    ),
    'vlan-native-same-id-twice': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan trunk='yes'>\n    <tag id='5' nativeMode='untagged'/>\n    <tag id='5'/>\n  </vlan>\n",
    ),
    'vlan-trunk-no-two-tags': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan trunk='no'>\n    <tag id='5'/>\n    <tag id='6'/>\n  </vlan>\n",
    ),
    'vlan-trunk-no-native': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan trunk='no'>\n    <tag id='5' nativeMode='untagged'/>\n  </vlan>\n",
    ),
    'vlan-trunk-maybe': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan trunk='maybe'>\n    <tag id='5'/>\n  </vlan>\n",
    ),
    'vlan-tag-hex': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n  </forward>\n  <vlan>\n    <tag id='0x10'/>\n  </vlan>\n",
    ),
    'bandwidth-two-inbound': N(
      `  <bandwidth>\n    <inbound average='10'/>\n    <inbound average='20'/>\n  </bandwidth>\n${IP}`,
    ),
    'bandwidth-average-hex': N(`  <bandwidth>\n    <inbound average='0x10'/>\n  </bandwidth>\n${IP}`),
    'bandwidth-unknown-child': N(`  <bandwidth>\n    <sideways average='10'/>\n  </bandwidth>\n${IP}`),
    'portgroup-bandwidth-empty': N(`${IP}  <portgroup name='pg'>\n    <bandwidth/>\n  </portgroup>\n`),
    'virtualport-profileid-40': N(
      `  <forward mode='bridge'/>\n  <bridge name='br0'/>\n  <virtualport type='openvswitch'>\n    <parameters profileid='${'p'.repeat(40)}'/>\n  </virtualport>\n`,
    ),
    'virtualport-managerid-256': N(
      "  <forward mode='vepa'>\n    <interface dev='eth0'/>\n  </forward>\n  <virtualport type='802.1Qbg'>\n    <parameters managerid='256'/>\n  </virtualport>\n",
    ),
    'virtualport-managerid-octal': N(
      "  <forward mode='vepa'>\n    <interface dev='eth0'/>\n  </forward>\n  <virtualport type='802.1Qbg'>\n    <parameters managerid='017' typeid='-1'/>\n  </virtualport>\n",
    ),
    'virtualport-bad-uuid': N(
      "  <forward mode='bridge'/>\n  <bridge name='br0'/>\n  <virtualport type='openvswitch'>\n    <parameters interfaceid='not-a-uuid'/>\n  </virtualport>\n",
    ),
    'forward-interface-twice': N(
      "  <forward mode='private'>\n    <interface dev='eth0'/>\n    <interface dev='eth0'/>\n  </forward>\n",
    ),
    'forward-dev-twice': N(
      "  <forward mode='private' dev='eth0'>\n    <interface dev='eth0'/>\n    <interface dev='eth0'/>\n  </forward>\n",
    ),
    'forward-dev-mismatch': N(
      "  <forward mode='private' dev='eth1'>\n    <interface dev='eth0'/>\n  </forward>\n",
    ),
    'forward-interface-no-dev': N("  <forward mode='private'>\n    <interface/>\n  </forward>\n"),
    'forward-pf-twice': N(
      "  <forward mode='hostdev'>\n    <pf dev='eth2'/>\n    <pf dev='eth3'/>\n  </forward>\n",
    ),
    'forward-pf-no-dev': N("  <forward mode='hostdev'>\n    <pf/>\n  </forward>\n"),
    'forward-dev-with-pf': N("  <forward mode='hostdev' dev='eth0'>\n    <pf dev='eth2'/>\n  </forward>\n"),
    'forward-managed-YES': N(
      "  <forward mode='hostdev' managed='YES'>\n    <pf dev='eth2'/>\n  </forward>\n",
    ),
    'forward-driver-bad': N(
      "  <forward mode='hostdev'>\n    <driver name='xen'/>\n    <pf dev='eth2'/>\n  </forward>\n",
    ),
    'forward-driver-model': N(
      "  <forward mode='hostdev'>\n    <driver name='vfio' model='virtio'/>\n    <pf dev='eth2'/>\n  </forward>\n",
    ),
    'forward-nat-twice': N(`  <forward mode='nat'>\n    <nat/>\n    <nat/>\n  </forward>\n${IP}`),
    'forward-nat-port-zero': N(
      `  <forward mode='nat'>\n    <nat>\n      <port start='0' end='0'/>\n    </nat>\n  </forward>\n${IP}`,
    ),
    'forward-nat-port-start-zero': N(
      `  <forward mode='nat'>\n    <nat>\n      <port start='0' end='100'/>\n    </nat>\n  </forward>\n${IP}`,
    ),
    'forward-nat-address-reversed': N(
      `  <forward mode='nat'>\n    <nat>\n      <address start='10.20.30.44' end='10.20.30.40'/>\n    </nat>\n  </forward>\n${IP}`,
    ),
    'forward-nat-address-no-end': N(
      `  <forward mode='nat'>\n    <nat>\n      <address start='10.20.30.40'/>\n    </nat>\n  </forward>\n${IP}`,
    ),
    'forward-nat-address-v6': N(
      `  <forward mode='nat'>\n    <nat>\n      <address start='2001:db8::1' end='2001:db8::2'/>\n    </nat>\n  </forward>\n${IP}`,
    ),
    'forward-address-no-type': N(
      "  <forward mode='hostdev'>\n    <address domain='0' bus='3' slot='16' function='1'/>\n  </forward>\n",
    ),
    'forward-address-netdev': N("  <forward mode='hostdev'>\n    <address type='netdev'/>\n  </forward>\n"),
    'forward-address-usb': N("  <forward mode='hostdev'>\n    <address type='usb'/>\n  </forward>\n"),
    'forward-address-twice': N(
      "  <forward mode='hostdev'>\n    <address type='pci' domain='0' bus='3' slot='16' function='1'/>\n    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x1'/>\n  </forward>\n",
    ),
    'forward-address-all-zero': N("  <forward mode='hostdev'>\n    <address type='pci'/>\n  </forward>\n"),
    'forward-address-bus-256': N(
      "  <forward mode='hostdev'>\n    <address type='pci' bus='256' slot='1'/>\n  </forward>\n",
    ),
    'forward-address-slot-32': N(
      "  <forward mode='hostdev'>\n    <address type='pci' bus='3' slot='32'/>\n  </forward>\n",
    ),
    'forward-address-function-8': N(
      "  <forward mode='hostdev'>\n    <address type='pci' bus='3' slot='1' function='8'/>\n  </forward>\n",
    ),
    'forward-address-bad-number': N(
      "  <forward mode='hostdev'>\n    <address type='pci' bus='three'/>\n  </forward>\n",
    ),
    'forward-address-multifunction-bad': N(
      "  <forward mode='hostdev'>\n    <address type='pci' bus='3' slot='16' function='1' multifunction='yes'/>\n  </forward>\n",
    ),
    'forward-hostdev-vf-and-not': N(
      "  <forward mode='hostdev'>\n    <address type='pci' domain='0' bus='3' slot='16' function='1'/>\n    <address type='pci' domain='0' bus='3' slot='16' function='2'/>\n  </forward>\n",
    ),
    'forward-hostdev-vf-portgroup-bandwidth': N(
      "  <forward mode='hostdev'>\n    <address type='pci' domain='0' bus='3' slot='16' function='2'/>\n  </forward>\n  <portgroup name='a'>\n    <bandwidth>\n      <inbound average='10'/>\n    </bandwidth>\n  </portgroup>\n",
    ),
    'mac-one-digit': N("  <mac address='2:54:0:0:0:1'/>\n" + IP),
    'uuid-empty': '<network>\n  <name>conf</name>\n  <uuid></uuid>\n</network>\n',
    'ip-family-empty': N("  <ip family='' address='192.168.122.1' prefix='24'/>\n"),
    'ip-netmask-empty': N("  <ip address='192.168.122.1' netmask=''/>\n"),
    'bridge-name-empty': N("  <bridge name=''/>\n" + IP),
    'bridge-name-percent-x': N("  <bridge name='br%x'/>\n" + IP),
    'mtu-empty': N("  <mtu size=''/>\n" + IP),
    'domain-name-empty': N("  <domain name=''/>\n" + IP),
    'default-network': `<network>\n  <name>default</name>\n  <bridge name='virbr0'/>\n  <forward/>\n  <ip address='192.168.122.1' netmask='255.255.255.0'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.254'/>\n    </dhcp>\n  </ip>\n</network>\n`,
  };
  return Object.entries(raw).map(([k, xml]) => ({ id: `extra:${k}`, xml, schema: false }));
}

/** A few networks of every mode written as one line, with double quotes, and with tabs. */
export function styles() {
  const out = [];
  for (const mode of ['isolated', 'nat', 'bridge', 'private', 'hostdev-pci']) {
    const t = network(mode);
    out.push({ id: `style:one-line:${mode}`, xml: serialize(t, { indent: '' }) });
    out.push({ id: `style:double-quotes:${mode}`, xml: serialize(t, { quote: '"' }) });
    out.push({ id: `style:tabs:${mode}`, xml: serialize(t, { indent: '\t' }) });
  }
  return out;
}
