// Accept rules in Docker's DOCKER-USER chains for virtnet's bridges. Docker (iptables-nft) sets the FORWARD
// policy to drop and jumps to DOCKER-USER first; an accept there lets guest traffic past Docker's drop, and our
// own table still applies the network's mode. Rules carry a "virtnet:BRIDGE" comment so they can be found again.
// The only place virtnet writes outside its own table, with plain `nft` (not the session that owns ours).

import type { ObservedDockerUser } from './observed.js';
import type { Step } from './steps.js';

export const DOCKER_USER_COMMENT = 'virtnet:';

/** Steps that make every DOCKER-USER chain hold exactly two accepts per bridge with firewall rules. */
export function planDockerUser(bridges: string[], o: ObservedDockerUser | undefined): Step[] {
  const steps: Step[] = [];
  for (const [table, ours] of o?.tables ?? []) {
    const stmts: string[] = [];
    const changes: string[] = [];
    for (const br of bridges) {
      if ((ours.get(br)?.length ?? 0) >= 2) continue;
      for (const h of ours.get(br) ?? []) stmts.push(`delete rule ${table} DOCKER-USER handle ${h}`);
      for (const dir of ['iifname', 'oifname']) {
        stmts.push(
          `insert rule ${table} DOCKER-USER ${dir} "${br}" accept comment "${DOCKER_USER_COMMENT}${br}"`,
        );
      }
      changes.push(`accept for ${br}`);
    }
    for (const [br, handles] of ours) {
      if (bridges.includes(br)) continue;
      for (const h of handles) stmts.push(`delete rule ${table} DOCKER-USER handle ${h}`);
      changes.push(`removed accept for ${br}`);
    }
    if (!stmts.length) continue;
    steps.push({
      id: `docker-user:${table}`,
      title: `${table} DOCKER-USER: ${changes.join(', ')}`,
      do: [{ kind: 'exec', argv: ['nft', '-f', '-'], stdin: `${stmts.join('\n')}\n` }],
      undo: [],
    });
  }
  return steps;
}
