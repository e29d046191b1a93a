// Help texts in virsh's format: virsh 9.0's own for virsh's commands (share/virsh-help, also their option
// tables), virtnet's for its additions (share/virtnet-help), and the grouped listing `help` prints.

import { readFileSync } from 'node:fs';
import { COMMANDS, GROUP_TITLES, type HelpGroup } from './registry.js';

const SHARE = new URL('../../../share/', import.meta.url);

function readShare(path: string): string | undefined {
  try {
    return readFileSync(new URL(path, SHARE), 'utf8');
  } catch {
    return undefined;
  }
}

/** `virsh help COMMAND`'s text (with virsh's trailing empty lines), or undefined for an unknown command. */
export function commandHelp(command: string): string | undefined {
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) return undefined;
  return readShare(`${entry.virsh ? 'virsh-help' : 'virtnet-help'}/${command}.txt`);
}

/** The one-line summary from a help text's NAME section (`net-list - list networks`). */
function summary(command: string): string {
  const m = /NAME\n\s+\S+ - (.*)\n/.exec(commandHelp(command) ?? '');
  return m?.[1] ?? '';
}

/** One group as `virsh help KEYWORD` lists it: a heading, `    NAME  summary` lines, an empty line. */
export function groupHelp(group: HelpGroup): string {
  // virsh's own groups, in virsh's order and words
  if (group === 'network') return readShare('virsh-help/_network.txt') ?? '';
  if (group === 'filter') return readShare('virsh-help/_filter.txt') ?? '';
  const lines = [` ${GROUP_TITLES[group]} (help keyword '${group}'):`];
  for (const [name, e] of Object.entries(COMMANDS)) {
    if (e.group === group) lines.push(`    ${name.padEnd(30)} ${summary(name)}`);
  }
  return `${lines.join('\n')}\n\n`;
}

export function isHelpGroup(topic: string): topic is HelpGroup {
  return Object.hasOwn(GROUP_TITLES, topic);
}

/** `help` without a topic: every group, as `virsh help` prints them. */
export function allGroupsHelp(): string {
  return `Grouped commands:\n\n${(Object.keys(GROUP_TITLES) as HelpGroup[]).map(groupHelp).join('')}`;
}
