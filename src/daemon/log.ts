// virtnetd's log: one line per event, in words (`virtnetd: network 'default' started on virbr0`) or, with
// --log-format json, one JSON object per line for journald and Loki: time, level, msg, and the fields a line
// carries (network, step, hint, code). Failures are logged once, where they end: a request that fails (5xx)
// in the API's error handler, a background job (heal, autostart, dnsmasq supervision) where it runs.

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

export interface LogFields {
  level?: LogLevel;
  network?: string;
  /** The step of a plan that failed (its title). */
  step?: string;
  /** What a person can do about it. */
  hint?: string;
  code?: string;
  [key: string]: string | number | boolean | undefined;
}

/** How every part of the daemon logs; a plain `(msg) => void` is one too. */
export type Log = (msg: string, fields?: LogFields) => void;

// lines from parts that only pass a message: their level and network are read from the words
const FAILURE_WORDS = /\b(failed|cannot|could not|refused)\b/i;
const NETWORK_PREFIX = /^network '([^']+)'/;

/** A logger writing whole lines to `write` (stderr by default). */
export function createLog(
  format: LogFormat,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Log {
  return (msg, fields = {}) => {
    const level = fields.level ?? (FAILURE_WORDS.test(msg) ? 'error' : 'info');
    if (format === 'json') {
      const network = fields.network ?? NETWORK_PREFIX.exec(msg)?.[1];
      const out: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
      for (const [k, v] of Object.entries({ ...fields, network }))
        if (v !== undefined && k !== 'level') out[k] = v;
      write(`${JSON.stringify(out)}\n`);
      return;
    }
    // one line whatever the message holds: a newline in a quoted value must not forge a second entry
    const hint = fields.hint ? ` (what to do: ${fields.hint})` : '';
    write(`virtnetd: ${`${msg}${hint}`.replace(/[\r\n]+/g, ' ')}\n`);
  };
}

export function parseLogFormat(text: string): LogFormat {
  if (text === 'text' || text === 'json') return text;
  throw new Error(`--log-format needs text or json, got '${text}'`);
}
