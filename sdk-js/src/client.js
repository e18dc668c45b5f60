// The Kubernetes client: get, list (one page), listAll (every page) and raw reads, through the
// host's `kube.http-request`.

import * as host from './host.js';
import {
  ApiError, DecodeError, InvalidParamsError, ProtocolError, RequestError, Status,
} from './errors.js';
import { DEFAULT_PAGE_SIZE, listPath, objectPath } from './request.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Sends a GET of `path` (path and query) and returns the body of a 2xx response. */
function fetchBody(path) {
  let response;
  try {
    response = host.httpRequest({
      method: 'GET',
      pathAndQuery: path,
      headers: [['Accept', 'application/json']],
      body: undefined,
    });
  } catch (e) {
    // componentize-js throws the `err` of a `result` as the `payload` of its error.
    const error = e !== null && typeof e === 'object' && 'payload' in e ? e.payload : e;
    if (error !== null && typeof error === 'object' && typeof error.tag === 'string') {
      throw new RequestError(path, error);
    }
    throw e;
  }
  if (response.status >= 200 && response.status < 300) return response.body;
  throw new ApiError(path, Status.fromResponse(response.status, response.body));
}

/** `body` decoded as JSON; `what` says what it is and from where. */
function decode(body, what) {
  let text;
  try {
    text = decoder.decode(body);
  } catch {
    throw new DecodeError(what, 'invalid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DecodeError(what, e.message);
  }
}

function decodeObject(body, what) {
  const value = decode(body, what);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DecodeError(what, 'expected a JSON object');
  }
  return value;
}

/**
 * Reads `pathAndQuery` (e.g. `/api/v1/namespaces/ns/pods/p/log?container=c`) and returns the
 * body of a successful response as bytes; error statuses throw an `ApiError`. For what the
 * resource clients do not cover, such as subresources.
 */
export function getRaw(pathAndQuery) {
  if (typeof pathAndQuery !== 'string' || !pathAndQuery.startsWith('/') || pathAndQuery.startsWith('//')) {
    throw new InvalidParamsError(
      `${JSON.stringify(pathAndQuery)} is not an absolute API path (it must start with a single '/')`,
    );
  }
  return fetchBody(pathAndQuery);
}

/** One page of a list: the server's list object, `items` always an array. */
function listPage(resource, namespace, params) {
  const path = listPath(resource, namespace, params);
  const page = decodeObject(fetchBody(path), `${resource.kind} list from ${path}`);
  if (page.items === undefined || page.items === null) page.items = [];
  if (!Array.isArray(page.items)) {
    throw new DecodeError(`${resource.kind} list from ${path}`, '`items` is not an array');
  }
  return page;
}

/** The token of the next page of `page`, or undefined on the last one. */
export function continueToken(page) {
  const token = page?.metadata?.continue;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

function listAll(resource, namespace, params = {}) {
  const pageParams = { ...params, limit: params.limit ?? DEFAULT_PAGE_SIZE };
  const items = [];
  for (;;) {
    const sent = pageParams.continue;
    const page = listPage(resource, namespace, pageParams);
    items.push(...page.items);
    const next = continueToken(page);
    if (next === undefined) return items;
    // A token that does not advance would page forever.
    if (next === sent) {
      throw new ProtocolError(
        listPath(resource, namespace, pageParams),
        "the list's continue token did not change between pages",
      );
    }
    pageParams.continue = next;
  }
}

function get(resource, namespace, name) {
  const path = objectPath(resource, namespace, name);
  return decodeObject(fetchBody(path), `${resource.kind} from ${path}`);
}

/** A namespaced resource in one namespace; from `Resource.namespaced(ns)`. */
class InNamespace {
  constructor(resource, namespace) {
    this.resource = resource;
    this.namespace = namespace;
  }

  /** Reads the object named `name`. */
  get(name) {
    return get(this.resource, this.namespace, name);
  }

  /** Reads one page: the list object, with `items` and `metadata.continue`. */
  list(params) {
    return listPage(this.resource, this.namespace, params);
  }

  /** Reads every page, following `metadata.continue` (500 per page unless `limit` is set). */
  listAll(params) {
    return listAll(this.resource, this.namespace, params);
  }
}

/** A namespaced resource across all namespaces; from `Resource.allNamespaces()`. */
class AllNamespaces {
  constructor(resource) {
    this.resource = resource;
  }

  list(params) {
    return listPage(this.resource, undefined, params);
  }

  listAll(params) {
    return listAll(this.resource, undefined, params);
  }
}

/**
 * The client of one resource. Cluster-scoped resources have `get`, `list` and `listAll`;
 * namespaced ones have `namespaced(ns)` and `allNamespaces()`, which have them. Using the wrong
 * one throws an `InvalidParamsError` before any request is made.
 */
export class Resource {
  /**
   * @param {object} spec
   * @param {string} [spec.group] API group; empty or absent for the core group
   * @param {string} spec.version `v1`, `v1beta1`, ...
   * @param {string} spec.plural the resource, as in the URL (`clusteroperators`)
   * @param {string} [spec.kind] the kind, for messages (`ClusterOperator`)
   * @param {boolean} spec.namespaced whether objects live in namespaces
   */
  constructor({ group = '', version, plural, kind, namespaced }) {
    for (const [field, value] of [['version', version], ['plural', plural]]) {
      if (typeof value !== 'string' || value === '' || value.includes('/')) {
        throw new InvalidParamsError(`a resource's ${field} must be a non-empty string without '/'`);
      }
    }
    if (typeof group !== 'string' || group.includes('/')) {
      throw new InvalidParamsError("a resource's group must be a string without '/'");
    }
    if (typeof namespaced !== 'boolean') {
      throw new InvalidParamsError(`say whether ${plural} is namespaced (namespaced: true or false)`);
    }
    this.group = group;
    this.version = version;
    this.plural = plural;
    this.kind = kind ?? plural;
    this.namespaced_ = namespaced;
  }

  #cluster(method) {
    if (this.namespaced_) {
      throw new InvalidParamsError(
        `${this.plural} is namespaced: ${method} through .namespaced(ns) or .allNamespaces()`,
      );
    }
  }

  #namespacedOnly(method) {
    if (!this.namespaced_) {
      throw new InvalidParamsError(`${this.plural} is cluster-scoped: it has no ${method}()`);
    }
  }

  /** Reads the (cluster-scoped) object named `name`. */
  get(name) {
    this.#cluster('get');
    return get(this, undefined, name);
  }

  /** Reads one page of a cluster-scoped resource. */
  list(params) {
    this.#cluster('list');
    return listPage(this, undefined, params);
  }

  /** Reads every page of a cluster-scoped resource, following `metadata.continue`. */
  listAll(params) {
    this.#cluster('listAll');
    return listAll(this, undefined, params);
  }

  /** The objects of a namespaced resource in `namespace`. */
  namespaced(namespace) {
    this.#namespacedOnly('namespaced');
    return new InNamespace(this, namespace);
  }

  /** The objects of a namespaced resource in every namespace. */
  allNamespaces() {
    this.#namespacedOnly('allNamespaces');
    return new AllNamespaces(this);
  }
}

/** The client of a resource; see `Resource`. */
export function resource(spec) {
  return new Resource(spec);
}
