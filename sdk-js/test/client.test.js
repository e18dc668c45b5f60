import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiError, DecodeError, InvalidParamsError, ProtocolError, RequestError, Status, getRaw, resource,
} from '../src/index.js';
import { FakeApi } from '../testing/index.js';

const operators = resource({ group: 'config.openshift.io', version: 'v1', plural: 'clusteroperators', kind: 'ClusterOperator', namespaced: false });
const pods = resource({ version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true });
const BASE = '/apis/config.openshift.io/v1/clusteroperators';
const operator = (name) => ({ apiVersion: 'config.openshift.io/v1', kind: 'ClusterOperator', metadata: { name } });
const names = (items) => items.map((i) => i.metadata.name);

function withFake(fn) {
  const api = new FakeApi();
  const uninstall = api.install();
  try {
    return fn(api);
  } finally {
    uninstall();
  }
}

test('listAll follows continue across pages and escapes the tokens', () => withFake((api) => {
  api.respondJson(`${BASE}?limit=500`, 200, { metadata: { continue: 'c1' }, items: [operator('a'), operator('b')] });
  api.respondJson(`${BASE}?limit=500&continue=c1`, 200, { metadata: { continue: 'c/2=' }, items: [operator('c')] });
  api.respondJson(`${BASE}?limit=500&continue=c%2F2%3D`, 200, { metadata: { continue: '' }, items: [operator('d')] });
  assert.deepEqual(names(operators.listAll()), ['a', 'b', 'c', 'd']);
  assert.deepEqual(api.paths(), [`${BASE}?limit=500`, `${BASE}?limit=500&continue=c1`, `${BASE}?limit=500&continue=c%2F2%3D`]);
  for (const request of api.requests) {
    assert.equal(request.method, 'GET');
    assert.deepEqual(request.headers, [['Accept', 'application/json']]);
    assert.equal(request.body, undefined);
  }
}));

test('listAll keeps the user limit and selectors', () => withFake((api) => {
  const base = '/api/v1/namespaces/openshift-monitoring/pods?labelSelector=app%3Dprom&fieldSelector=spec.nodeName%3Dn1&limit=1';
  api.respondJson(base, 200, { metadata: { continue: 'x' }, items: [{ metadata: { name: 'p0' } }] });
  // The last page has no continue token at all.
  api.respondJson(`${base}&continue=x`, 200, { metadata: {}, items: [{ metadata: { name: 'p1' } }] });
  const params = { labelSelector: 'app=prom', fieldSelector: 'spec.nodeName=n1', limit: 1 };
  assert.deepEqual(names(pods.namespaced('openshift-monitoring').listAll(params)), ['p0', 'p1']);
  assert.equal(api.requests.length, 2);
  assert.deepEqual(params, { labelSelector: 'app=prom', fieldSelector: 'spec.nodeName=n1', limit: 1 }, 'params are not changed');
}));

test('listAll refuses a token that does not advance', () => withFake((api) => {
  api.respondJson('/api/v1/pods?limit=500', 200, { metadata: { continue: 't' }, items: [] });
  api.respondJson('/api/v1/pods?limit=500&continue=t', 200, { metadata: { continue: 't' }, items: [] });
  assert.throws(() => pods.allNamespaces().listAll(), ProtocolError);
  assert.equal(api.requests.length, 2);
}));

test('list is one page and tolerates null items', () => withFake((api) => {
  api.respondJson('/api/v1/pods', 200, { metadata: { continue: 'more', resourceVersion: '7' }, items: null });
  const page = pods.allNamespaces().list();
  assert.deepEqual(page.items, []);
  assert.equal(page.metadata.continue, 'more');
  assert.equal(api.requests.length, 1);
}));

test('get decodes the object and keeps Status errors', () => withFake((api) => {
  api.respondJson(`${BASE}/dns`, 200, operator('dns'));
  assert.equal(operators.get('dns').metadata.name, 'dns');
  assert.throws(() => operators.get('nope'), (e) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.path, `${BASE}/nope`);
    assert.equal(e.status.code, 404);
    assert.equal(e.status.reason, 'NotFound');
    assert.deepEqual(e.toGatherError(), {
      tag: 'api', val: { path: `${BASE}/nope`, status: { code: 404, reason: 'NotFound', message: e.status.message } },
    });
    return true;
  });
}));

test('a forbidden list keeps the server Status word for word', () => withFake((api) => {
  api.respond(`${BASE}?limit=500`, 403,
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"clusteroperators.config.openshift.io is forbidden","reason":"Forbidden","code":403}');
  assert.throws(() => operators.listAll(), (e) => e instanceof ApiError
    && e.message === `${BASE}?limit=500: API error 403 Forbidden: clusteroperators.config.openshift.io is forbidden`);
}));

test('undecodable bodies name what and where', () => withFake((api) => {
  api.respond('/api/v1/namespaces/x/pods/p', 200, '{"metadata": ');
  api.respond('/api/v1/namespaces/x/pods/q', 200, '[1]');
  api.respond('/api/v1/namespaces/x/pods/r', 200, new Uint8Array([0x7b, 0xff, 0x7d]));
  for (const [name, detail] of [['p', undefined], ['q', 'expected a JSON object'], ['r', 'invalid UTF-8']]) {
    assert.throws(() => pods.namespaced('x').get(name), (e) => {
      assert.ok(e instanceof DecodeError);
      assert.ok(e.message.startsWith(`cannot decode Pod from /api/v1/namespaces/x/pods/${name}: `), e.message);
      if (detail) assert.equal(e.detail, detail);
      assert.equal(e.toGatherError().tag, 'decode');
      return true;
    });
  }
}));

test('host refusals become RequestErrors with the contract error kept', () => withFake((api) => {
  api.fail(`${BASE}?limit=500`, { tag: 'denied', val: 'config.openshift.io/v1/clusteroperators is not in the manifest' });
  api.fail('/api/v1/pods?limit=500', { tag: 'timeout' });
  assert.throws(() => operators.listAll(), (e) => {
    assert.ok(e instanceof RequestError);
    assert.equal(e.kind, 'denied');
    assert.equal(e.message, `${BASE}?limit=500: denied by the host: config.openshift.io/v1/clusteroperators is not in the manifest`);
    assert.deepEqual(e.toGatherError(), {
      tag: 'request',
      val: { path: `${BASE}?limit=500`, error: { tag: 'denied', val: 'config.openshift.io/v1/clusteroperators is not in the manifest' } },
    });
    return true;
  });
  assert.throws(() => pods.allNamespaces().listAll(),
    (e) => e instanceof RequestError && e.kind === 'timeout' && e.message === "/api/v1/pods?limit=500: the run's deadline passed");
}));

test('getRaw returns bodies and keeps Status errors', () => withFake((api) => {
  api.respond('/api/v1/namespaces/ns/pods/p/log?container=c', 200, 'line 1\n');
  assert.equal(new TextDecoder().decode(getRaw('/api/v1/namespaces/ns/pods/p/log?container=c')), 'line 1\n');
  assert.throws(() => getRaw('/api/v1/namespaces/ns/pods/q/log'), (e) => e instanceof ApiError && e.status.code === 404);
  for (const bad of ['api/v1/pods', '//evil.example/api', 'https://x/api']) {
    assert.throws(() => getRaw(bad), InvalidParamsError);
  }
  assert.equal(api.requests.length, 2);
}));

test('the wrong scope is refused before any request', () => withFake((api) => {
  assert.throws(() => pods.listAll(), /pods is namespaced/);
  assert.throws(() => pods.get('x'), InvalidParamsError);
  assert.throws(() => operators.namespaced('x'), /cluster-scoped/);
  assert.throws(() => operators.allNamespaces(), InvalidParamsError);
  assert.throws(() => resource({ version: 'v1', plural: 'pods' }), /namespaced/);
  assert.equal(api.requests.length, 0);
}));

test('Status.fromResponse reads Status bodies and falls back to the text', () => {
  const enc = new TextEncoder();
  assert.deepEqual(Status.fromResponse(410, enc.encode('{"kind":"Status","reason":"Expired","message":"too old"}')),
    new Status(410, 'Expired', 'too old'));
  assert.deepEqual(Status.fromResponse(502, enc.encode('  Bad Gateway\n')), new Status(502, '', 'Bad Gateway'));
  assert.deepEqual(Status.fromResponse(500, enc.encode('{"kind":"Pod","code":7,"reason":"x"}')).reason, '');
  const long = Status.fromResponse(500, enc.encode('é'.repeat(1000)));
  assert.ok(enc.encode(long.message).length <= 1024);
  assert.match(long.message, /^é+$/);
  assert.equal(new Status(404, 'NotFound', 'gone').toString(), '404 NotFound: gone');
});
