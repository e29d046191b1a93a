// The CLI's error type: what virsh would print as `error: ...` lines (none: fail silently).

/** An error virsh would print as one or more `error: ...` lines; an empty list fails with no message. */
export class CliError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}
