// Pure request building: paths and queries, no I/O. The same paths and query strings, byte for
// byte, as the Rust SDK's `request` and `params` modules.

import { InvalidParamsError } from './errors.js';

/** Page size `listAll` uses when the params set no `limit`. */
export const DEFAULT_PAGE_SIZE = 500;

const encoder = new TextEncoder();
const hex = (byte) => '%' + byte.toString(16).toUpperCase().padStart(2, '0');

/**
 * `application/x-www-form-urlencoded`, as Kubernetes clients send query values: ASCII letters,
 * digits and `*-._` stay, space becomes `+`, every other byte of the UTF-8 form is `%XX`.
 */
export function formEncode(text) {
  let out = '';
  for (const byte of encoder.encode(text)) {
    if (
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2a || byte === 0x2d || byte === 0x2e || byte === 0x5f
    ) {
      out += String.fromCharCode(byte);
    } else if (byte === 0x20) {
      out += '+';
    } else {
      out += hex(byte);
    }
  }
  return out;
}

// Escaped in a path segment besides controls and non-ASCII (RFC 3986 `pchar` keeps the rest).
const PATH_SEGMENT_ESCAPED = new Set([...' "#<>?`{}/%[]\\^|'].map((c) => c.charCodeAt(0)));

/** `segment` percent-encoded for a path. */
export function encodeSegment(segment) {
  let out = '';
  for (const byte of encoder.encode(segment)) {
    if (byte < 0x20 || byte >= 0x7f || PATH_SEGMENT_ESCAPED.has(byte)) out += hex(byte);
    else out += String.fromCharCode(byte);
  }
  return out;
}

/**
 * Checks a name used as a path segment the way the API server does: not empty, not `.` or `..`,
 * no `/` or `%`.
 */
export function checkSegment(what, name) {
  let problem;
  if (typeof name !== 'string') problem = 'must be a string';
  else if (name === '') problem = 'may not be empty';
  else if (name === '.' || name === '..') problem = "may not be '.' or '..'";
  else if (name.includes('/')) problem = "may not contain '/'";
  else if (name.includes('%')) problem = "may not contain '%'";
  else return;
  throw new InvalidParamsError(`${what} ${JSON.stringify(name)} ${problem}`);
}

// Unicode general category Cc, which Rust's `char::is_control` tests.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const VERSION_MATCHES = ['NotOlderThan', 'Exact'];

/**
 * The validated query string of list options, without the leading `?` (empty when no option is
 * set). Options, in the order they are written:
 * `labelSelector`, `fieldSelector`, `limit`, `continue`, `resourceVersion`,
 * `resourceVersionMatch` (`NotOlderThan` or `Exact`), `timeoutSeconds`.
 */
export function listQuery(params = {}) {
  const known = [
    'labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion',
    'resourceVersionMatch', 'timeoutSeconds',
  ];
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      throw new InvalidParamsError(`unknown list option ${JSON.stringify(key)}; options are ${known.join(', ')}`);
    }
  }
  const p = params;
  const isCount = (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  if (p.limit !== undefined && !(isCount(p.limit) && p.limit >= 1)) {
    throw new InvalidParamsError('limit must be at least 1 (leave it unset for no limit)');
  }
  if (p.timeoutSeconds !== undefined && !isCount(p.timeoutSeconds)) {
    throw new InvalidParamsError('timeoutSeconds must be a whole number of seconds');
  }
  if (p.resourceVersionMatch !== undefined) {
    if (!VERSION_MATCHES.includes(p.resourceVersionMatch)) {
      throw new InvalidParamsError('resourceVersionMatch is NotOlderThan or Exact');
    }
    if (p.resourceVersion === undefined) {
      throw new InvalidParamsError('resourceVersionMatch needs resourceVersion');
    }
    if (p.resourceVersionMatch === 'Exact' && p.resourceVersion === '0') {
      throw new InvalidParamsError('resourceVersionMatch Exact cannot be used with resourceVersion "0"');
    }
  }
  if (p.continue !== undefined && (p.resourceVersion !== undefined || p.resourceVersionMatch !== undefined)) {
    throw new InvalidParamsError('continue cannot be combined with resourceVersion or resourceVersionMatch');
  }
  for (const option of ['labelSelector', 'fieldSelector', 'continue', 'resourceVersion']) {
    const value = p[option];
    if (value !== undefined && typeof value !== 'string') {
      throw new InvalidParamsError(`${option} must be a string`);
    }
    if (value !== undefined && CONTROL.test(value)) {
      throw new InvalidParamsError(`${option} contains a control character`);
    }
  }
  const pairs = [];
  const add = (key, value) => {
    if (value !== undefined && value !== '') pairs.push(`${formEncode(key)}=${formEncode(String(value))}`);
  };
  add('labelSelector', p.labelSelector);
  add('fieldSelector', p.fieldSelector);
  add('limit', p.limit);
  add('continue', p.continue);
  add('resourceVersion', p.resourceVersion);
  add('resourceVersionMatch', p.resourceVersionMatch);
  add('timeoutSeconds', p.timeoutSeconds);
  return pairs.join('&');
}

/**
 * Path of the collection of `resource` (`{group, version, plural}`) in `namespace` (undefined:
 * cluster-scoped or all namespaces), e.g. `/api/v1/namespaces/default/pods`.
 */
export function collectionPath(resource, namespace) {
  let path = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  if (namespace !== undefined) {
    checkSegment('namespace', namespace);
    path += `/namespaces/${encodeSegment(namespace)}`;
  }
  return `${path}/${resource.plural}`;
}

/** Path of the object `name` of `resource` in `namespace` (undefined: cluster-scoped). */
export function objectPath(resource, namespace, name) {
  checkSegment('name', name);
  return `${collectionPath(resource, namespace)}/${encodeSegment(name)}`;
}

/** Path and query of a list of `resource` in `namespace` with `params`. */
export function listPath(resource, namespace, params) {
  const path = collectionPath(resource, namespace);
  const query = listQuery(params);
  return query ? `${path}?${query}` : path;
}
