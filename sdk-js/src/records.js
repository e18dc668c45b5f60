// Records: the name rules and the JSON encoding.
//
// JSON records are written as the Rust SDK writes them: compact, UTF-8, and without
// `metadata.managedFields` in the value or in any object element of its top-level `items`
// array (what the Insights Operator leaves out too: it is large and says nothing about the
// cluster's state). Keys keep the order they have in the value, which for an object read from
// the API is the server's order.

import { RecordError } from './errors.js';

/** Longest record name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 1024;
/** Longest segment of a record's archive path, in UTF-8 bytes. */
export const MAX_SEGMENT_BYTES = 255;

const encoder = new TextEncoder();
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `name` is not a valid record name, or `undefined` when it is. The contract's rules: a
 * relative archive path, at most 1024 bytes, no control character or `\`, no leading or trailing
 * `/`, no empty, `.` or `..` segment, segments of at most 255 bytes.
 */
export function recordNameProblem(name) {
  if (typeof name !== 'string') return 'the record name must be a string';
  if (name === '') return 'the record name is empty';
  const bytes = encoder.encode(name).length;
  if (bytes > MAX_NAME_BYTES) {
    return `the record name is ${bytes} bytes long; at most ${MAX_NAME_BYTES} are allowed`;
  }
  if (CONTROL.test(name)) return 'the record name contains a control character';
  if (name.includes('\\')) return 'the record name contains a backslash';
  if (name.startsWith('/')) return 'the record name is absolute: it must be relative to the archive';
  if (name.endsWith('/')) return 'the record name ends with /: it must name a file';
  for (const segment of name.split('/')) {
    if (segment === '') return 'the record name has an empty segment (//)';
    if (segment === '.' || segment === '..') {
      return `the record name has a ${segment} segment: names cannot leave or repeat a folder`;
    }
    const length = encoder.encode(segment).length;
    if (length > MAX_SEGMENT_BYTES) {
      return `the record name has a segment of ${length} bytes; at most ${MAX_SEGMENT_BYTES} are allowed`;
    }
  }
  return undefined;
}

/** Throws a `RecordError` (`invalid-name`) when `name` breaks the record-name rules. */
export function checkRecordName(name) {
  const problem = recordNameProblem(name);
  if (problem !== undefined) throw new RecordError(name, { tag: 'invalid-name', val: problem });
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `object` with `metadata.managedFields` left out; `object` itself when there is none. */
function withoutManagedFields(object) {
  if (!isObject(object) || !isObject(object.metadata) || !('managedFields' in object.metadata)) {
    return object;
  }
  const { managedFields: _dropped, ...metadata } = object.metadata;
  // Spreading keeps the key order, and `metadata` keeps its place.
  return { ...object, metadata };
}

/**
 * `value` as compact JSON in UTF-8, without `metadata.managedFields` in it or in any object
 * element of its top-level `items`. The value is not changed.
 */
export function encodeJson(value) {
  let out = withoutManagedFields(value);
  if (isObject(out) && Array.isArray(out.items)) {
    const items = out.items.map(withoutManagedFields);
    if (items.some((item, i) => item !== out.items[i])) out = { ...out, items };
  }
  const text = JSON.stringify(out);
  if (text === undefined) throw new TypeError('the value has no JSON form (undefined or a function)');
  return encoder.encode(text);
}
