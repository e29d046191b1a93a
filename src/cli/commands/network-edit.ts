// virsh net-edit: the inactive definition in $VISUAL/$EDITOR, redefined when changed (virsh's edit loop,
// edit-xml.ts).

import type { NetworkInfo } from '../../api/types.js';
import type { CommandContext, CommandTable } from '../command.js';
import { enc, getNetwork, str } from '../command-kit.js';
import { editXml } from '../edit-xml.js';

async function edit(ctx: CommandContext): Promise<void> {
  const n = await getNetwork(ctx, str(ctx.args.network));
  await editXml(ctx, {
    noun: 'Network',
    name: n.name,
    xmlPath: `/v1/networks/${enc(n.uuid)}/xml?inactive=1`,
    define: (xml) => ctx.request<NetworkInfo>('POST', '/v1/networks', xml),
  });
}

export const COMMANDS: CommandTable = { 'net-edit': { run: edit } };
