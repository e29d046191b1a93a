// Building blocks for namespaces of our own (the sandbox and the e2e harness): never the root namespace.

/**
 * `ip` arguments creating a veth pair whose ends are born inside two namespaces, so the pair never
 * appears in the machine's own namespace, not even for a moment.
 */
export function vethBetween(nsA: string, nameA: string, nsB: string, nameB: string): string[] {
  return ['ip', 'link', 'add', nameA, 'netns', nsA, 'type', 'veth', 'peer', 'name', nameB, 'netns', nsB];
}
