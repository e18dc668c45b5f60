// Unit-testing gatherers in Node. Run the tests with the contract's imports mapped to a fake:
//
//     node --import ./sdk-js/testing/register.js --test
//
// and give each test a FakeApi: it answers requests from canned responses (unknown paths get
// the API server's 404 Status), and keeps the records and errors the gatherer hands the host,
// refusing records the way the host does (bad names, an archive path written twice).

import { archivePath, recordNameProblem } from '../src/records.js';

const SLOT = Symbol.for('wagather.sdk.testing.fake');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** componentize-js's form of a `result` error: an Error whose `payload` is the `err` value. */
class ComponentError extends Error {
  constructor(payload) {
    super(`${payload.tag}${payload.val === undefined ? '' : `: ${payload.val}`}`);
    this.payload = payload;
  }
}

export class FakeApi {
  constructor() {
    /** @type {Map<string, {status: number, body: Uint8Array} | {error: object}>} */
    this.responses = new Map();
    /** Every request, in order, as the SDK sent it. */
    this.requests = [];
    /** Records by archive path, in the order written: `{ name, format, data }`. */
    this.records = new Map();
    /** The `gather-error`s reported with `output.report-error`, in order. */
    this.errors = [];
  }

  /** Answers GET `pathAndQuery` with `status` and `body` (bytes or a string). */
  respond(pathAndQuery, status, body) {
    const bytes = typeof body === 'string' ? encoder.encode(body) : body;
    this.responses.set(pathAndQuery, { status, body: bytes });
    return this;
  }

  /** Answers GET `pathAndQuery` with `status` and `value` as JSON. */
  respondJson(pathAndQuery, status, value) {
    return this.respond(pathAndQuery, status, JSON.stringify(value));
  }

  /** Fails GET `pathAndQuery` with the `kube.error` `error` (`{ tag: 'denied', val: '...' }`). */
  fail(pathAndQuery, error) {
    this.responses.set(pathAndQuery, { error });
    return this;
  }

  /** The paths and queries requested, in order. */
  paths() {
    return this.requests.map((r) => r.pathAndQuery);
  }

  /** The data of the record at archive path `path`, parsed as JSON. */
  json(path) {
    const record = this.records.get(path);
    if (!record) throw new Error(`no record at ${path}; records: ${[...this.records.keys()].join(', ')}`);
    return JSON.parse(decoder.decode(record.data));
  }

  /** Makes this fake the contract's imports until the returned function is called. */
  install() {
    const previous = globalThis[SLOT];
    globalThis[SLOT] = this;
    return () => {
      globalThis[SLOT] = previous;
    };
  }

  /**
   * Runs `gather` (a `defineGatherer` result) with `config` against this fake, as the host
   * would call the export, and returns `{ error }`: the `gather-error` the export returned, or
   * undefined.
   */
  async run(gather, config = []) {
    const uninstall = this.install();
    try {
      await gather(config);
      return { error: undefined };
    } catch (e) {
      if (e && typeof e === 'object' && 'payload' in e) return { error: e.payload };
      throw e;
    } finally {
      uninstall();
    }
  }

  httpRequest(request) {
    this.requests.push(request);
    const answer = this.responses.get(request.pathAndQuery);
    if (answer === undefined) {
      const status = {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
        message: `the server could not find the requested resource (get ${request.pathAndQuery})`,
        reason: 'NotFound', code: 404,
      };
      return { status: 404, headers: [], body: encoder.encode(JSON.stringify(status)) };
    }
    if ('error' in answer) throw new ComponentError(answer.error);
    return { status: answer.status, headers: [['Content-Type', 'application/json']], body: answer.body };
  }

  writeRecord(name, format, data) {
    const problem = recordNameProblem(name, format);
    if (problem !== undefined) throw new ComponentError({ tag: 'invalid-name', val: problem });
    const path = archivePath(name, format);
    if (this.records.has(path)) {
      throw new ComponentError({ tag: 'duplicate', val: `${path} is already written` });
    }
    if (!(data instanceof Uint8Array)) throw new TypeError('record data must be a Uint8Array');
    this.records.set(path, { name, format, data: Uint8Array.from(data) });
  }

  reportError(error) {
    this.errors.push(error);
  }
}
