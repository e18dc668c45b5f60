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

/** Archive paths the host writes itself; no record may take them. */
export const RESERVED_PATHS = ['insights-operator/gathers.json'];

/** The archive path of a record: `name`, plus `.json` for JSON records. */
export function archivePath(name, format) {
  return format === 'json' ? `${name}.json` : name;
}

/** Why `path` breaks the path rules, or undefined. */
function pathProblem(path) {
  const q = JSON.stringify(path);
  if (path === '') return 'the record name is empty';
  const bytes = encoder.encode(path).length;
  if (bytes > MAX_NAME_BYTES) {
    return `the record name is ${bytes} bytes long; at most ${MAX_NAME_BYTES} are allowed`;
  }
  if (CONTROL.test(path)) return `the record name ${q} contains a control character`;
  if (path.includes('\\')) return `the record name ${q} contains a backslash`;
  if (path.startsWith('/')) return `the record name ${q} is absolute: it must be relative to the archive`;
  if (path.endsWith('/')) return `the record name ${q} ends with /: it must name a file`;
  for (const segment of path.split('/')) {
    if (segment === '') return `the record name ${q} has an empty segment (//)`;
    if (segment === '.' || segment === '..') {
      return `the record name ${q} has a ${segment} segment: names cannot leave or repeat a folder`;
    }
    const length = encoder.encode(segment).length;
    if (length > MAX_SEGMENT_BYTES) {
      return `the record name ${q} has a segment of ${length} bytes; at most ${MAX_SEGMENT_BYTES} are allowed`;
    }
  }
  return undefined;
}

/**
 * Why a record named `name` in `format` (`json` or `raw`) would be refused, or `undefined`. The
 * contract's rules (wagather-contract's `check_record_name`): the name and its archive path are
 * relative paths of at most 1024 bytes, without control characters or `\\`, leading or trailing
 * `/`, empty, `.` or `..` segments, with segments of at most 255 bytes; a JSON record's name has
 * no `.json` of its own; the path is not one the host writes itself.
 */
export function recordNameProblem(name, format = 'raw') {
  if (typeof name !== 'string') return 'the record name must be a string';
  const problem = pathProblem(name);
  if (problem !== undefined) return problem;
  if (format === 'json' && name.endsWith('.json')) {
    return `the record name ${JSON.stringify(name)} ends with .json: JSON records are named without it`;
  }
  const path = archivePath(name, format);
  const pathIssue = pathProblem(path);
  if (pathIssue !== undefined) return pathIssue;
  if (RESERVED_PATHS.includes(path)) {
    return `the archive path ${JSON.stringify(path)} is reserved for the host's own metadata`;
  }
  return undefined;
}

/** Throws a `RecordError` (`invalid-name`) when a record named `name` would be refused. */
export function checkRecordName(name, format = 'raw') {
  const problem = recordNameProblem(name, format);
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
