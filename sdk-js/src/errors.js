// Errors, and how they become the contract's `gather-error` variant.
//
// Every error the SDK throws is a `WagatherError`; `toGatherError(e)` maps any thrown value to
// the variant the host receives (`{ tag, val }`, as componentize-js represents WIT variants).
// Messages follow the Rust SDK's wording, so logs read the same whatever the language.

/** Longest error body kept as a message when the server did not answer with a `Status`. */
const MAX_PLAIN_MESSAGE = 1024;

/** The parts of a Kubernetes `Status` that say what went wrong. */
export class Status {
  /**
   * @param {number} code HTTP status code (404)
   * @param {string} reason machine-readable reason (`NotFound`); empty when the server gave none
   * @param {string} message human-readable message
   */
  constructor(code, reason = '', message = '') {
    this.code = code;
    this.reason = reason;
    this.message = message;
  }

  /**
   * Interprets an error response: a Kubernetes `Status` body keeps its fields; anything else
   * becomes a `Status` with the HTTP code and (the first 1024 bytes of) the trimmed body.
   * @param {number} httpStatus
   * @param {Uint8Array} body
   */
  static fromResponse(httpStatus, body) {
    let parsed;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch {
      parsed = undefined;
    }
    if (parsed !== null && typeof parsed === 'object' && parsed.kind === 'Status') {
      const text = (v) => (typeof v === 'string' ? v : '');
      const code = Number.isInteger(parsed.code) && parsed.code > 0 ? parsed.code : httpStatus;
      return new Status(code, text(parsed.reason), text(parsed.message));
    }
    const text = new TextDecoder('utf-8').decode(body).trim();
    return new Status(httpStatus, '', cutUtf8(text, MAX_PLAIN_MESSAGE));
  }

  toString() {
    let out = String(this.code);
    if (this.reason) out += ` ${this.reason}`;
    if (this.message) out += `: ${this.message}`;
    return out;
  }
}

/** `text` cut to at most `max` UTF-8 bytes, on a character boundary. */
function cutUtf8(text, max) {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= max) return text;
  let end = max;
  // A UTF-8 continuation byte is 0b10xxxxxx: back up to the start of a character.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end -= 1;
  return new TextDecoder('utf-8').decode(bytes.subarray(0, end));
}

/** Base class of every error the SDK throws. */
export class WagatherError extends Error {
  /** The contract's `gather-error` for this error. */
  toGatherError() {
    return { tag: 'other', val: this.message };
  }
}

/** The API server answered with an error status; `status` keeps what it said. */
export class ApiError extends WagatherError {
  constructor(path, status) {
    super(`${path}: API error ${status}`);
    this.name = 'ApiError';
    this.path = path;
    this.status = status;
  }

  toGatherError() {
    const { code, reason, message } = this.status;
    return { tag: 'api', val: { path: this.path, status: { code, reason, message } } };
  }
}

const REQUEST_MESSAGES = {
  denied: (reason) => `denied by the host: ${reason}`,
  'limit-exceeded': (reason) => `host limit exceeded: ${reason}`,
  timeout: () => "the run's deadline passed",
  transport: (reason) => `transport error: ${reason}`,
};

/**
 * A request got no response: the host denied it (`denied`), a per-run limit would be exceeded
 * (`limit-exceeded`), the deadline passed (`timeout`) or the API could not be reached
 * (`transport`). `error` is the contract's `kube.error` as the host sent it.
 */
export class RequestError extends WagatherError {
  constructor(path, error) {
    const describe = REQUEST_MESSAGES[error.tag] ?? ((r) => `${error.tag}: ${r}`);
    super(`${path}: ${describe(error.val)}`);
    this.name = 'RequestError';
    this.path = path;
    this.error = error;
  }

  /** `denied`, `limit-exceeded`, `timeout` or `transport`. */
  get kind() {
    return this.error.tag;
  }

  /** The host's words, if any (which rule, which limit, what failed). */
  get reason() {
    return this.error.val ?? '';
  }

  toGatherError() {
    return { tag: 'request', val: { path: this.path, error: this.error } };
  }
}

/** A response body could not be decoded. */
export class DecodeError extends WagatherError {
  constructor(what, message) {
    super(`cannot decode ${what}: ${message}`);
    this.name = 'DecodeError';
    this.what = what;
    this.detail = message;
  }

  toGatherError() {
    return { tag: 'decode', val: { what: this.what, message: this.detail } };
  }
}

/**
 * A record was refused, by the SDK's name check (`invalid-name`) or by the host
 * (`invalid-name`, `duplicate`, `limit-exceeded`). `error` is the contract's `record-error`.
 */
export class RecordError extends WagatherError {
  constructor(name, error) {
    super(`invalid record ${JSON.stringify(name)}: ${error.val}`);
    this.name = 'RecordError';
    this.record = name;
    this.error = error;
  }

  toGatherError() {
    return { tag: 'record', val: { name: this.record, error: this.error } };
  }
}

/** The server's answers were inconsistent (a `continue` token that does not advance). */
export class ProtocolError extends WagatherError {
  constructor(path, reason) {
    super(`${path}: unexpected response: ${reason}`);
    this.name = 'ProtocolError';
    this.path = path;
    this.reason = reason;
  }
}

/** Request parameters the API would refuse (list options, object or namespace names). */
export class InvalidParamsError extends WagatherError {
  constructor(message) {
    super(`invalid request parameters: ${message}`);
    this.name = 'InvalidParamsError';
  }
}

/**
 * The contract's `gather-error` for any thrown value: the SDK's errors map to their variant
 * case, anything else to `other` with its message.
 */
export function toGatherError(error) {
  if (error instanceof WagatherError) return error.toGatherError();
  if (error instanceof Error) return { tag: 'other', val: `${error.name}: ${error.message}` };
  return { tag: 'other', val: String(error) };
}
