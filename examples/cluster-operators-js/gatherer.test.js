// Run with: node --import ./sdk-js/testing/register.js --test examples/cluster-operators-js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { FakeApi } from '../../sdk-js/testing/index.js';
import { gather } from './gatherer.js';

const PATH = '/apis/config.openshift.io/v1/clusteroperators';
const SAMPLE = new URL('../../testdata/insights-archive-sample/config/clusteroperator/', import.meta.url);

/** The 31 ClusterOperators of the bundled Insights sample archive, by name. */
function sampleOperators() {
  const operators = new Map();
  for (const file of readdirSync(SAMPLE).filter((f) => f.endsWith('.json')).sort()) {
    const object = JSON.parse(readFileSync(new URL(file, SAMPLE), 'utf8'));
    operators.set(object.metadata.name, object);
  }
  return operators;
}

/** Serves `objects` in pages of `size`, like the API server; items carry managedFields. */
function servePages(api, objects, size) {
  const pages = [];
  for (let i = 0; i < objects.length; i += size) pages.push(objects.slice(i, i + size));
  pages.forEach((chunk, i) => {
    const items = chunk.map((object) => ({
      ...object,
      metadata: { ...object.metadata, managedFields: [{ manager: 'cluster-version-operator', operation: 'Update' }] },
    }));
    const query = i === 0 ? '?limit=500' : `?limit=500&continue=page-${i}`;
    api.respondJson(`${PATH}${query}`, 200, {
      apiVersion: 'config.openshift.io/v1', kind: 'ClusterOperatorList',
      metadata: { resourceVersion: '1782215', continue: i + 1 < pages.length ? `page-${i + 1}` : undefined },
      items,
    });
  });
}

test('gathers every operator across pages, without managedFields', async () => {
  const operators = sampleOperators();
  assert.equal(operators.size, 31);
  const api = new FakeApi();
  servePages(api, [...operators.values()], 10);
  assert.deepEqual(await api.run(gather), { error: undefined });
  assert.equal(api.requests.length, 4);
  assert.equal(api.records.size, 31);
  for (const [name, source] of operators) {
    const record = api.records.get(`config/clusteroperator/${name}.json`);
    assert.ok(record, `no record for ${name}`);
    assert.equal(record.format, 'json');
    assert.deepEqual(api.json(`config/clusteroperator/${name}.json`), source, `record of ${name}`);
  }
});

test('an API error ends the run with the Status kept', async () => {
  const api = new FakeApi();
  api.respond(`${PATH}?limit=500`, 403,
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"clusteroperators.config.openshift.io is forbidden","reason":"Forbidden","code":403}');
  const { error } = await api.run(gather);
  assert.deepEqual(error, {
    tag: 'api',
    val: { path: `${PATH}?limit=500`, status: { code: 403, reason: 'Forbidden', message: 'clusteroperators.config.openshift.io is forbidden' } },
  });
  assert.equal(api.records.size, 0);
});

test('the manifest declares the read', () => {
  assert.deepEqual(gather.manifest, {
    contract: 'wagather:gatherer@0.2.0',
    name: 'cluster-operators-js',
    version: '0.1.0',
    reads: ['config.openshift.io/v1/clusteroperators'],
  });
});
