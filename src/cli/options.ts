// virsh-style argument parsing, driven by the command's option table (derived from virsh 9.0's help texts).

export interface OptionSpec {
  name: string;
  /** Takes a value (string/number) rather than being a flag. */
  value: boolean;
  /** `number` for integer options (as virsh names them in errors); default `string`. */
  valueType?: 'string' | 'number';
  /** May be given without its --name, in this order. */
  positional: boolean;
  required: boolean;
}

export interface ParsedArgs {
  [name: string]: string | boolean | undefined;
}

export class UsageError extends Error {}

export function parseCommandArgs(command: string, specs: OptionSpec[], argv: string[]): ParsedArgs {
  const out: ParsedArgs = {};
  const positionals = specs.filter((s) => s.positional);
  let pos = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = specs.find((s) => s.name === name);
      if (!spec) throw new UsageError(`command '${command}' doesn't support option --${name}`);
      if (spec.value) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined)
          throw new UsageError(`expected syntax: --${name} <${spec.valueType ?? 'string'}>`);
        out[name] = v;
      } else {
        out[name] = true;
      }
      continue;
    }
    while (pos < positionals.length && out[(positionals[pos] as OptionSpec).name] !== undefined) pos++;
    const spec = positionals[pos];
    if (!spec) throw new UsageError(`unexpected data '${a}'`);
    out[spec.name] = a;
    pos++;
  }
  for (const s of specs) {
    if (s.required && out[s.name] === undefined) {
      throw new UsageError(`command '${command}' requires <${s.name}> option`);
    }
  }
  return out;
}

/** Reads the option table out of a virsh help text (SYNOPSIS and OPTIONS sections). */
export function specsFromHelp(help: string): OptionSpec[] {
  const specs: OptionSpec[] = [];
  const synopsis = /SYNOPSIS\n\s+\S+(.*)\n/.exec(help)?.[1] ?? '';
  const optionsPart = help.split(/\n\s+OPTIONS\n/)[1] ?? '';
  for (const line of optionsPart.split('\n')) {
    const m = /^\s+(\[?)--([a-z-]+)\]?( <\w+>)?/.exec(line);
    if (!m) continue;
    const name = m[2] as string;
    const positional = m[1] === '[';
    specs.push({
      name,
      value: m[3] !== undefined,
      valueType: m[3]?.includes('number') ? 'number' : 'string',
      positional,
      // virsh's SYNOPSIS brackets what is optional: `<network>` and `--owner <string>` are required
      required:
        (positional && synopsis.includes(` <${name}>`) && !synopsis.includes(`[<${name}>]`)) ||
        synopsis.includes(` --${name} <`),
    });
  }
  return specs;
}
