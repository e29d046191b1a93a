// HTTP/1.1 on the wire for the CLI: the request bytes and an incremental response parser (status, headers, body
// with the chunked transfer-coding decoded). node:http does the same but costs the CLI milliseconds to load and set
// up (its agent compiles the IPv6 regular expression for a UNIX socket); this is all a one-shot client needs. Pure.

export interface ResponseHead {
  status: number;
  /** Names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
}

/** The bytes of one request; `Connection: close` makes the server end the exchange after its response. */
export function requestBytes(method: string, path: string, body?: string, contentType?: string): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  if (payload) {
    if (contentType) lines.push(`Content-Type: ${contentType}`);
    lines.push(`Content-Length: ${payload.length}`);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return payload ? Buffer.concat([head, payload]) : head;
}

const MAX_HEAD = 64 * 1024;

type State = 'head' | 'length' | 'close' | 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/** Feed it the socket's data; it calls onHead once and onBody with each piece of the decoded body. */
export class ResponseParser {
  private state: State = 'head';
  private buf: Buffer = Buffer.alloc(0);
  private remaining = 0;

  constructor(
    private readonly onHead: (head: ResponseHead) => void,
    private readonly onBody: (chunk: Buffer) => void,
  ) {}

  /** The whole response arrived. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** The server closed the connection: a body delimited by the close ends here; anything else is cut short. */
  end(): void {
    if (this.state === 'close') this.state = 'done';
    if (this.state !== 'done')
      throw new Error('the daemon closed the connection in the middle of its response');
  }

  push(data: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    while (this.step()) {
      // each step consumes what it can; false when it needs more data
    }
  }

  private step(): boolean {
    switch (this.state) {
      case 'head':
        return this.readHead();
      case 'length':
      case 'data': {
        if (this.buf.length === 0) return false;
        const n = Math.min(this.remaining, this.buf.length);
        this.onBody(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        this.remaining -= n;
        if (this.remaining === 0) this.state = this.state === 'length' ? 'done' : 'data-end';
        return true;
      }
      case 'close':
        if (this.buf.length) this.onBody(this.buf);
        this.buf = Buffer.alloc(0);
        return false;
      case 'data-end':
        if (this.buf.length < 2) return false;
        this.buf = this.buf.subarray(2);
        this.state = 'size';
        return true;
      case 'size':
      case 'trailer': {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return false;
        const line = this.buf.toString('latin1', 0, eol);
        this.buf = this.buf.subarray(eol + 2);
        if (this.state === 'trailer') {
          if (line === '') this.state = 'done';
          return true;
        }
        const size = Number.parseInt(line.split(';')[0] ?? '', 16);
        if (!Number.isInteger(size) || size < 0)
          throw new Error(`bad chunk size in the daemon's response: '${line}'`);
        if (size === 0) this.state = 'trailer';
        else {
          this.remaining = size;
          this.state = 'data';
        }
        return true;
      }
      case 'done':
        return false;
    }
  }

  private readHead(): boolean {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buf.length > MAX_HEAD)
        throw new Error('the daemon sent a response header of more than 64 KiB');
      return false;
    }
    const [statusLine = '', ...lines] = this.buf.toString('latin1', 0, end).split('\r\n');
    this.buf = this.buf.subarray(end + 4);
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!m) throw new Error(`not an HTTP response: '${statusLine.slice(0, 80)}'`);
    const head: ResponseHead = { status: Number(m[1]), headers: {} };
    for (const l of lines) {
      const colon = l.indexOf(':');
      if (colon > 0) head.headers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
    }
    this.onHead(head);
    const length = head.headers['content-length'];
    if (head.status === 204 || head.status === 304) this.state = 'done';
    else if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) this.state = 'size';
    else if (length !== undefined) {
      this.remaining = Number(length);
      if (!Number.isSafeInteger(this.remaining) || this.remaining < 0)
        throw new Error(`bad Content-Length in the daemon's response: '${length}'`);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else this.state = 'close';
    return true;
  }
}
