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
  NETWORK_EXIST: 'operation failed: ',
  INVALID_ARG: 'invalid argument: ',
  INTERNAL_ERROR: 'internal error: ',
  SYSTEM_ERROR: '',
  NO_SUPPORT: 'this function is not supported by the connection driver: ',
  OPERATION_UNSUPPORTED: 'Operation not supported: ',
  AUTH_FAILED: 'authentication failed: ',
} as const;

export type ErrorCode = keyof typeof ERROR_PREFIX;

/** HTTP status each code maps to in the API. */
export const ERROR_HTTP_STATUS: Record<ErrorCode, number> = {
  XML_ERROR: 400,
  XML_DETAIL: 400,
  CONFIG_UNSUPPORTED: 400,
  OPERATION_INVALID: 409,
  OPERATION_FAILED: 500,
  NO_NETWORK: 404,
  NO_NETWORK_PORT: 404,
  NETWORK_EXIST: 409,
  INVALID_ARG: 400,
  INTERNAL_ERROR: 500,
  SYSTEM_ERROR: 500,
  NO_SUPPORT: 501,
  OPERATION_UNSUPPORTED: 400,
  AUTH_FAILED: 403,
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

  toJSON(): { code: ErrorCode; message: string; line?: number; column?: number } {
    return {
      code: this.code,
      message: this.message,
      ...(this.position ? { line: this.position.line, column: this.position.column } : {}),
    };
  }
}

export function isVirtError(e: unknown): e is VirtError {
  return e instanceof VirtError;
}
