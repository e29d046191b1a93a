// The one error type of virtnet: a stable code (libvirt's names), a message a person can act on, a cause.

/** libvirt's error codes that virtnet uses, with the prefix virsh prints before the detail. */
export const ERROR_PREFIX = {
  XML_ERROR: 'XML error: ',
  XML_DETAIL: '',
  CONFIG_UNSUPPORTED: 'unsupported configuration: ',
  OPERATION_INVALID: 'Requested operation is not valid: ',
  OPERATION_FAILED: 'operation failed: ',
  NO_NETWORK: 'Network not found: ',
  NO_NETWORK_PORT: 'network port not found: ',
  NO_NWFILTER: 'Network filter not found: ',
  NO_NWFILTER_BINDING: 'Network filter binding not found: ',
  /** A name or uuid that another network (or port) holds; libvirt says OPERATION_FAILED, with this prefix. */
  NETWORK_EXIST: 'operation failed: ',
  INVALID_ARG: 'invalid argument: ',
  INTERNAL_ERROR: 'internal error: ',
  SYSTEM_ERROR: '',
  NO_SUPPORT: 'this function is not supported by the connection driver: ',
  OPERATION_UNSUPPORTED: 'Operation not supported: ',
  AUTH_FAILED: 'authentication failed: ',
  OPERATION_DENIED: 'operation forbidden: ',
  // virtnet's own codes where libvirt uses one code for two meanings; the prefix keeps virsh's text
  /** Something the network needs is taken: a bridge or subnet in use (libvirt: INTERNAL_ERROR). */
  RESOURCE_IN_USE: 'internal error: ',
  /** A value libvirt cannot parse and reports as an internal error (a malformed uuid, a MAC). */
  MALFORMED_VALUE: 'internal error: ',
  /** An address libvirt cannot parse, reported as a system error (getaddrinfo's words), bad input all the same. */
  MALFORMED_ADDRESS: '',
  /** A start refused before anything ran because of the host's state (device name taken, subnet routed). */
  HOST_CONFLICT: 'operation failed: ',
  REQUEST_TOO_LARGE: 'request too large: ',
  NO_ROUTE: 'no such route: ',
  /**
   * A filter definition or binding that clashes with the ones there are: a name or uuid taken, a binding on the
   * device already, a reference loop (libvirt: OPERATION_FAILED).
   */
  NWFILTER_CONFLICT: 'operation failed: ',
  /**
   * A filter tree that cannot be applied to a port as given: a referenced filter missing, a variable without a
   * value or with one its attribute cannot take, a rule libvirt's drivers refuse (libvirt: INTERNAL_ERROR).
   */
  NWFILTER_UNAPPLICABLE: 'internal error: ',
} as const;

export type ErrorCode = keyof typeof ERROR_PREFIX;

/**
 * The one map from error code to the API's HTTP status: bad input 400, refused by policy 403, missing 404,
 * conflicts with the current state 409, payload too large 413, failures on the host 500.
 */
export const ERROR_HTTP_STATUS: Record<ErrorCode, number> = {
  XML_ERROR: 400,
  XML_DETAIL: 400,
  CONFIG_UNSUPPORTED: 400,
  OPERATION_INVALID: 409,
  OPERATION_FAILED: 500,
  NO_NETWORK: 404,
  NO_NETWORK_PORT: 404,
  NO_NWFILTER: 404,
  NO_NWFILTER_BINDING: 404,
  NETWORK_EXIST: 409,
  INVALID_ARG: 400,
  INTERNAL_ERROR: 500,
  SYSTEM_ERROR: 500,
  NO_SUPPORT: 501,
  OPERATION_UNSUPPORTED: 400,
  AUTH_FAILED: 403,
  OPERATION_DENIED: 403,
  RESOURCE_IN_USE: 409,
  MALFORMED_VALUE: 400,
  MALFORMED_ADDRESS: 400,
  HOST_CONFLICT: 409,
  REQUEST_TOO_LARGE: 413,
  NO_ROUTE: 404,
  NWFILTER_CONFLICT: 409,
  NWFILTER_UNAPPLICABLE: 400,
};

/** Where in an XML document a problem was found (1-based). */
export interface SourcePosition {
  line: number;
  column: number;
}

export class VirtError extends Error {
  readonly code: ErrorCode;
  /** The message without the code's prefix. */
  readonly detail: string;
  readonly position?: SourcePosition;

  constructor(code: ErrorCode, detail: string, options?: { cause?: unknown; position?: SourcePosition }) {
    super(ERROR_PREFIX[code] + detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VirtError';
    this.code = code;
    this.detail = detail;
    this.position = options?.position;
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }

  /** What a person can do about it, when known (e.g. the package to install). */
  hint?: string;
  /** The title of the plan's step that failed, when a host change failed. */
  step?: string;

  toJSON(): { code: ErrorCode; message: string; line?: number; column?: number; hint?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.position ? { line: this.position.line, column: this.position.column } : {}),
      ...(this.hint ? { hint: this.hint } : {}),
    };
  }
}

export function isVirtError(e: unknown): e is VirtError {
  return e instanceof VirtError;
}

const HINTS: Array<[RegExp, string]> = [
  [
    /spawn dnsmasq ENOENT|dnsmasq: not found|dnsmasq.*No such file/,
    'dnsmasq is not installed: apt-get install dnsmasq-base',
  ],
  [/spawn nft ENOENT|nft: not found/, 'nft is not installed: apt-get install nftables'],
  [/spawn (ip|bridge|tc) ENOENT/, 'iproute2 is not installed: apt-get install iproute2'],
  [
    /Address already in use/,
    'another program listens on the DNS/DHCP ports of this address: run `virtnet doctor`',
  ],
  [
    /already in use by interface|overlaps route/,
    'pick another subnet, or stop what uses this one (`ip route`)',
  ],
  [
    /Operation not supported|No such file or directory.*nf_tables|Could not process rule/,
    'the kernel lacks an nftables feature: run `virtnet doctor`',
  ],
  [
    /a device named '.*' already exists/,
    'choose another bridge name, or delete the leftover device (`virtnet doctor` lists them)',
  ],
];

/** A hint for a failure message from the host side (undefined when none fits). */
export function hintFor(message: string): string | undefined {
  return HINTS.find(([re]) => re.test(message))?.[1];
}
