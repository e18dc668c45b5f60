// The run: configuration, records, non-fatal errors, and the component's `gather` export.

import * as host from './host.js';
import { RecordError, WagatherError, toGatherError } from './errors.js';
import { checkRecordName, encodeJson } from './records.js';

/** The contract this SDK implements (the `package` line of `wit/gatherer.wit`). */
export const CONTRACT = 'wagather:gatherer@0.2.0';

/** The operator's configuration of this gatherer: key/value pairs in the order given. */
export class Config {
  constructor(entries = []) {
    this.entries = entries.map(([key, value]) => [key, value]);
  }

  /** The value of `key` (the last one when a key is repeated), or undefined. */
  get(key) {
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      if (this.entries[i][0] === key) return this.entries[i][1];
    }
    return undefined;
  }
}

/** Sends one record to the host; a refusal throws a `RecordError`. */
function write(name, format, data) {
  try {
    host.writeRecord(name, format, data);
  } catch (e) {
    const error = e !== null && typeof e === 'object' && 'payload' in e ? e.payload : e;
    if (error !== null && typeof error === 'object' && typeof error.tag === 'string') {
      throw new RecordError(name, error);
    }
    throw e;
  }
}

const encoder = new TextEncoder();

/** One run of a gatherer: its configuration, and what it hands the host. */
export class Gather {
  constructor(config = new Config()) {
    this.config = config;
  }

  /**
   * Writes a JSON record named `name` (archived as `name.json`): compact UTF-8 JSON, without
   * `metadata.managedFields` in the value or in the elements of its top-level `items`. The host
   * writes it to the archive before this returns; a refused record throws a `RecordError`.
   */
  recordJson(name, value) {
    checkRecordName(name, 'json');
    write(name, 'json', encodeJson(value));
  }

  /** Writes a record of raw bytes (a `Uint8Array`, or a string written as UTF-8) named `name`. */
  recordRaw(name, data) {
    checkRecordName(name, 'raw');
    let bytes;
    if (typeof data === 'string') bytes = encoder.encode(data);
    else if (data instanceof Uint8Array) bytes = data;
    else throw new TypeError('a raw record is a Uint8Array or a string');
    write(name, 'raw', bytes);
  }

  /** Reports a non-fatal error to the host: the run goes on and its records are kept. */
  error(error) {
    host.reportError(toGatherError(error));
  }
}

/**
 * SpiderMonkey's out-of-memory exception: the string "out of memory". The host's memory cap
 * refused the engine more memory; the run stops (a trap, as when a Rust gatherer's allocator
 * fails) rather than going on in an engine that cannot allocate.
 */
const isOutOfMemory = (e) => e === 'out of memory';

/** The export's error for `e`: the typed `gather-error`, or `e` itself when it must trap. */
function exportError(e) {
  // Rethrown as it is, it is not a gather-error, so componentize-js traps.
  if (isOutOfMemory(e)) return e;
  return new ExportError(toGatherError(e));
}

/** What componentize-js lowers as the `err` of the export's `result`. */
class ExportError extends Error {
  constructor(payload) {
    super(typeof payload.val === 'string' ? payload.val : payload.tag);
    this.payload = payload;
  }
}

function checkManifest({ name, version, reads }) {
  const nonEmpty = (v) => typeof v === 'string' && v.trim() !== '';
  if (!nonEmpty(name)) throw new WagatherError('a gatherer needs a name (a non-empty string)');
  if (!nonEmpty(version)) throw new WagatherError('a gatherer needs a version (a non-empty string)');
  if (!Array.isArray(reads) || !reads.every(nonEmpty)) {
    throw new WagatherError(
      'reads is a list of rules such as "config.openshift.io/v1/clusteroperators" or "v1/pods/log in ns1,ns2"',
    );
  }
  if (new Set(reads).size !== reads.length) throw new WagatherError('a read is declared twice');
}

/**
 * Defines a gatherer. Export the result as `gather` from the component's module:
 *
 *     export const gather = defineGatherer({
 *       name: 'cluster-operators', version: '0.1.0',
 *       reads: ['config.openshift.io/v1/clusteroperators'],
 *       gather(ctx) { ... },
 *     });
 *
 * `reads` lists what the gatherer may read, in the form `[group/]version/resource[/subresource]
 * [ in ns1,ns2]`; the build writes them, with the name and version, into the component's
 * manifest (the function's `manifest` property), and the host denies every other request.
 * `gather(ctx)` gets a `Gather`; what it throws ends the run and reaches the host as a typed
 * `gather-error` (records written before are kept).
 */
export function defineGatherer({ name, version, reads, gather }) {
  checkManifest({ name, version, reads });
  if (typeof gather !== 'function') throw new WagatherError('a gatherer needs a gather(ctx) function');
  const run = (config) => {
    const ctx = new Gather(new Config(config));
    let result;
    try {
      result = gather(ctx);
    } catch (e) {
      throw exportError(e);
    }
    // An async gather function: the export waits for it (componentize-js runs the event loop).
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      return result.then(
        () => undefined,
        (e) => {
          throw exportError(e);
        },
      );
    }
    return undefined;
  };
  run.manifest = Object.freeze({ contract: CONTRACT, name, version, reads: [...reads] });
  return run;
}
