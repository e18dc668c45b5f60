import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTRACT, Config, WagatherError, defineGatherer, resource } from '../src/index.js';
import { FakeApi } from '../testing/index.js';

const operators = resource({ group: 'config.openshift.io', version: 'v1', plural: 'clusteroperators', namespaced: false });

test('defineGatherer carries the manifest the build embeds', () => {
  const gather = defineGatherer({ name: 'x', version: '1.2.3', reads: ['v1/pods/log in a,b', 'config.openshift.io/v1/clusteroperators'], gather() {} });
  assert.deepEqual(gather.manifest, { contract: CONTRACT, name: 'x', version: '1.2.3', reads: ['v1/pods/log in a,b', 'config.openshift.io/v1/clusteroperators'] });
  assert.equal(CONTRACT, 'wagather:gatherer@0.2.0');
});

test('a gatherer without name, version, reads or function is refused', () => {
  const ok = { name: 'x', version: '1', reads: [], gather() {} };
  for (const bad of [{ name: ' ' }, { version: '' }, { reads: 'v1/pods' }, { reads: [''] }, { reads: ['v1/pods', 'v1/pods'] }, { gather: 5 }]) {
    assert.throws(() => defineGatherer({ ...ok, ...bad }), WagatherError, JSON.stringify(bad));
  }
});

test('records stream to the host; JSON ones lose managedFields', async () => {
  const api = new FakeApi();
  const gather = defineGatherer({
    name: 'x', version: '1', reads: [],
    gather(ctx) {
      ctx.recordJson('config/a', { metadata: { name: 'a', managedFields: [{}] }, status: { managedFields: 'kept' } });
      ctx.recordRaw('logs/a.log', 'line\n');
      ctx.recordRaw('bin', new Uint8Array([0, 1, 2]));
    },
  });
  assert.deepEqual(await api.run(gather), { error: undefined });
  assert.deepEqual([...api.records.keys()], ['config/a.json', 'logs/a.log', 'bin']);
  assert.deepEqual(api.json('config/a.json'), { metadata: { name: 'a' }, status: { managedFields: 'kept' } });
  assert.equal(api.records.get('config/a.json').format, 'json');
  assert.equal(api.records.get('logs/a.log').format, 'raw');
  assert.deepEqual([...api.records.get('bin').data], [0, 1, 2]);
});

test('a refused record throws a RecordError that becomes the run error', async () => {
  const api = new FakeApi();
  const gather = defineGatherer({
    name: 'x', version: '1', reads: [],
    gather(ctx) {
      ctx.recordJson('a', {});
      ctx.recordJson('a', {});
    },
  });
  const { error } = await api.run(gather);
  assert.deepEqual(error, { tag: 'record', val: { name: 'a', error: { tag: 'duplicate', val: 'a.json is already written' } } });
  assert.equal(api.records.size, 1);
});

test('names are checked before they reach the host', async () => {
  const api = new FakeApi();
  const gather = defineGatherer({ name: 'x', version: '1', reads: [], gather(ctx) { ctx.recordJson('a.json', {}); } });
  const { error } = await api.run(gather);
  assert.equal(error.tag, 'record');
  assert.equal(error.val.error.tag, 'invalid-name');
  assert.match(error.val.error.val, /ends with .json: JSON records are named without it/);
  const bad = defineGatherer({ name: 'x', version: '1', reads: [], gather(ctx) { ctx.recordRaw('../x', 'y'); } });
  assert.equal((await api.run(bad)).error.val.error.tag, 'invalid-name');
  assert.equal(api.records.size, 0);
});

test('errors: reported ones go on, thrown ones end the run typed', async () => {
  const api = new FakeApi();
  api.respond('/apis/config.openshift.io/v1/clusteroperators?limit=500', 403,
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden","reason":"Forbidden","code":403}');
  const gather = defineGatherer({
    name: 'x', version: '1', reads: [],
    gather(ctx) {
      ctx.error(new Error('first problem'));
      ctx.error('plain words');
      ctx.recordRaw('kept', 'k');
      operators.listAll();
      ctx.recordRaw('never', 'n');
    },
  });
  const { error } = await api.run(gather);
  assert.deepEqual(api.errors, [{ tag: 'other', val: 'Error: first problem' }, { tag: 'other', val: 'plain words' }]);
  assert.deepEqual(error, {
    tag: 'api',
    val: { path: '/apis/config.openshift.io/v1/clusteroperators?limit=500', status: { code: 403, reason: 'Forbidden', message: 'forbidden' } },
  });
  assert.deepEqual([...api.records.keys()], ['kept']);
});

test('an async gather function is awaited and its rejection typed', async () => {
  const api = new FakeApi();
  const gather = defineGatherer({
    name: 'x', version: '1', reads: [],
    async gather(ctx) {
      await null;
      ctx.recordRaw('a', 'b');
      throw new TypeError('late');
    },
  });
  assert.deepEqual(await api.run(gather), { error: { tag: 'other', val: 'TypeError: late' } });
  assert.equal(api.records.size, 1);
});

test('config: last value wins', async () => {
  const config = new Config([['a', '1'], ['a', '2']]);
  assert.equal(config.get('a'), '2');
  assert.equal(config.get('b'), undefined);
  const api = new FakeApi();
  let seen;
  const gather = defineGatherer({ name: 'x', version: '1', reads: [], gather(ctx) { seen = ctx.config.get('k'); } });
  await api.run(gather, [['k', 'v']]);
  assert.equal(seen, 'v');
});

test('out of memory is not turned into an error: the run stops', async () => {
  const api = new FakeApi();
  const gather = defineGatherer({
    name: 'x', version: '1', reads: [],
    gather(ctx) {
      ctx.recordRaw('before', 'b');
      // What SpiderMonkey throws when the host refuses it memory.
      throw 'out of memory'; // eslint-disable-line no-throw-literal
    },
  });
  await assert.rejects(api.run(gather), (e) => e === 'out of memory');
  assert.deepEqual([...api.records.keys()], ['before']);
});
