// Every CLI command by name: the help group that lists it and the module under commands/ that implements it.
// Pure data, so that help, completion tests and the dispatcher know every command without loading any of them.

/** Help groups, as `virsh help KEYWORD` has them. */
export type HelpGroup = 'network' | 'filter' | 'domain' | 'virtnet';

export type CommandModule =
  | 'network-read'
  | 'network-lifecycle'
  | 'network-update'
  | 'network-edit'
  | 'network-event'
  | 'ports'
  | 'nwfilters'
  | 'guest-show'
  | 'guests'
  | 'forwards'
  | 'netmode'
  | 'doctor'
  | 'import-libvirt'
  | 'help';

export interface CommandEntry {
  group: HelpGroup;
  module: CommandModule;
  /** virsh's command: its help text and option table are virsh 9.0's (share/virsh-help), else virtnet's own. */
  virsh: boolean;
}

const virsh = (group: HelpGroup, module: CommandModule): CommandEntry => ({ group, module, virsh: true });
const own = (group: HelpGroup, module: CommandModule): CommandEntry => ({ group, module, virsh: false });

export const COMMANDS: Record<string, CommandEntry> = {
  'net-autostart': virsh('network', 'network-lifecycle'),
  'net-create': virsh('network', 'network-lifecycle'),
  'net-define': virsh('network', 'network-lifecycle'),
  'net-destroy': virsh('network', 'network-lifecycle'),
  'net-dhcp-leases': virsh('network', 'network-read'),
  'net-dumpxml': virsh('network', 'network-read'),
  'net-edit': virsh('network', 'network-edit'),
  'net-event': virsh('network', 'network-event'),
  'net-info': virsh('network', 'network-read'),
  'net-list': virsh('network', 'network-read'),
  'net-name': virsh('network', 'network-read'),
  'net-start': virsh('network', 'network-lifecycle'),
  'net-undefine': virsh('network', 'network-lifecycle'),
  'net-update': virsh('network', 'network-update'),
  'net-uuid': virsh('network', 'network-read'),
  'net-port-list': virsh('network', 'ports'),
  'net-port-create': virsh('network', 'ports'),
  'net-port-dumpxml': virsh('network', 'ports'),
  'net-port-delete': virsh('network', 'ports'),
  'nwfilter-define': virsh('filter', 'nwfilters'),
  'nwfilter-dumpxml': virsh('filter', 'nwfilters'),
  'nwfilter-edit': virsh('filter', 'nwfilters'),
  'nwfilter-list': virsh('filter', 'nwfilters'),
  'nwfilter-undefine': virsh('filter', 'nwfilters'),
  'nwfilter-binding-create': virsh('filter', 'nwfilters'),
  'nwfilter-binding-delete': virsh('filter', 'nwfilters'),
  'nwfilter-binding-dumpxml': virsh('filter', 'nwfilters'),
  'nwfilter-binding-list': virsh('filter', 'nwfilters'),
  'attach-interface': virsh('domain', 'guests'),
  'detach-interface': virsh('domain', 'guests'),
  domifaddr: virsh('domain', 'guest-show'),
  domiflist: virsh('domain', 'guest-show'),
  dumpxml: own('domain', 'guest-show'),
  'define-guest': own('domain', 'guests'),
  'port-add': own('virtnet', 'ports'),
  'qemu-ifup': own('virtnet', 'guests'),
  'qemu-ifdown': own('virtnet', 'guests'),
  'net-forward-add': own('virtnet', 'forwards'),
  'net-forward-delete': own('virtnet', 'forwards'),
  'net-forward-list': own('virtnet', 'forwards'),
  netmode: own('virtnet', 'netmode'),
  doctor: own('virtnet', 'doctor'),
  'import-libvirt': own('virtnet', 'import-libvirt'),
  help: own('virtnet', 'help'),
};

/** Group headings in `help`'s listing, virsh's wording where virsh has the group. */
export const GROUP_TITLES: Record<HelpGroup, string> = {
  network: 'Networking',
  filter: 'Network Filter',
  domain: 'Guest interfaces',
  virtnet: 'virtnet',
};
