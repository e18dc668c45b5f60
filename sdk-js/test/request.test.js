// Paths and queries: the same bytes as the Rust SDK's request and params tests expect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidParamsError, collectionPath, listPath, listQuery, objectPath,
} from '../src/index.js';

const pods = { group: '', version: 'v1', plural: 'pods' };
const operators = { group: 'config.openshift.io', version: 'v1', plural: 'clusteroperators' };

test('the core group uses /api/v1, named groups /apis', () => {
  assert.equal(collectionPath(pods), '/api/v1/pods');
  assert.equal(collectionPath(pods, 'openshift-monitoring'), '/api/v1/namespaces/openshift-monitoring/pods');
  assert.equal(objectPath(pods, 'default', 'web-0'), '/api/v1/namespaces/default/pods/web-0');
  assert.equal(collectionPath(operators), '/apis/config.openshift.io/v1/clusteroperators');
  assert.equal(objectPath(operators, undefined, 'authentication'),
    '/apis/config.openshift.io/v1/clusteroperators/authentication');
});

test('list paths carry the escaped query', () => {
  assert.equal(
    listPath(pods, 'default', { labelSelector: 'app in (a,b),tier!=x', limit: 500 }),
    '/api/v1/namespaces/default/pods?labelSelector=app+in+%28a%2Cb%29%2Ctier%21%3Dx&limit=500',
  );
  assert.equal(listPath(operators, undefined, {}), '/apis/config.openshift.io/v1/clusteroperators');
});

test('names are escaped in paths', () => {
  assert.equal(objectPath(operators, undefined, 'system:node bootstrap#1?x'),
    '/apis/config.openshift.io/v1/clusteroperators/system:node%20bootstrap%231%3Fx');
  assert.equal(objectPath(pods, 'ns é', 'a'), '/api/v1/namespaces/ns%20%C3%A9/pods/a');
});

test('names that would change the path are refused', () => {
  for (const name of ['', '.', '..', 'a/b', 'a%2Fb']) {
    assert.throws(() => objectPath(operators, undefined, name),
      (e) => e instanceof InvalidParamsError && e.message.startsWith(`invalid request parameters: name ${JSON.stringify(name)}`));
    assert.throws(() => collectionPath(pods, name),
      (e) => e instanceof InvalidParamsError && e.message.includes(`namespace ${JSON.stringify(name)}`));
  }
});

test('every option in a fixed order', () => {
  assert.equal(
    listQuery({
      timeoutSeconds: 30, resourceVersion: '12345', resourceVersionMatch: 'NotOlderThan', limit: 10,
      fieldSelector: 'metadata.name=foo', labelSelector: 'app=web',
    }),
    'labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dfoo&limit=10'
      + '&resourceVersion=12345&resourceVersionMatch=NotOlderThan&timeoutSeconds=30',
  );
  assert.equal(listQuery({}), '');
  assert.equal(listQuery(), '');
});

test('selectors and continue tokens are form-encoded like the Rust SDK', () => {
  assert.equal(listQuery({ fieldSelector: 'spec.nodeName=n1&x=y#z+w' }),
    'fieldSelector=spec.nodeName%3Dn1%26x%3Dy%23z%2Bw');
  assert.equal(listQuery({ limit: 2, continue: 'eyJ2Ijoi+/a==' }), 'limit=2&continue=eyJ2Ijoi%2B%2Fa%3D%3D');
  // `*-._` stay, `~` and non-ASCII are escaped (form_urlencoded's set, not encodeURIComponent's).
  assert.equal(listQuery({ labelSelector: 'a*-._~é' }), 'labelSelector=a*-._%7E%C3%A9');
  assert.equal(listQuery({ labelSelector: '', continue: '' }), '');
});

test('invalid combinations are refused, naming the option', () => {
  const cases = [
    [{ limit: 0 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ resourceVersionMatch: 'Exact' }, 'needs resourceVersion'],
    [{ resourceVersion: '0', resourceVersionMatch: 'Exact' }, 'Exact'],
    [{ resourceVersion: '1', resourceVersionMatch: 'Newest' }, 'NotOlderThan or Exact'],
    [{ continue: 't', resourceVersion: '5' }, 'continue'],
    [{ labelSelector: 'a=b\nc' }, 'labelSelector'],
    [{ labels: 'a=b' }, 'unknown list option'],
  ];
  for (const [params, needle] of cases) {
    assert.throws(() => listQuery(params),
      (e) => e instanceof InvalidParamsError && e.message.includes(needle),
      `${JSON.stringify(params)} should be refused mentioning ${needle}`);
  }
});
