import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRecordName, encodeJson, RecordError, recordNameProblem } from '../src/index.js';

const text = (bytes) => new TextDecoder().decode(bytes);

test('managedFields is cut from metadata in any position, keeping the key order', () => {
  const cases = [
    [{ metadata: { managedFields: [{ a: 1 }], name: 'x' } }, '{"metadata":{"name":"x"}}'],
    [{ metadata: { name: 'x', managedFields: [], uid: 'u' } }, '{"metadata":{"name":"x","uid":"u"}}'],
    [{ metadata: { name: 'x', managedFields: { '}': ']' } } }, '{"metadata":{"name":"x"}}'],
    [{ metadata: { managedFields: 'only' } }, '{"metadata":{}}'],
    [{ kind: 'A', metadata: { managedFields: 1 }, spec: {} }, '{"kind":"A","metadata":{},"spec":{}}'],
  ];
  for (const [input, output] of cases) assert.equal(text(encodeJson(input)), output);
});

test('managedFields elsewhere is kept, and list items lose theirs', () => {
  const value = {
    managedFields: 1,
    spec: { metadata: { managedFields: 2 } },
    status: { managedFields: 'kept' },
    items: [{ spec: { managedFields: 3 } }, 'not an object', { metadata: { managedFields: 4 } }],
    metadata: { labels: { managedFields: 'a label' }, name: 'x"managedFields"' },
  };
  const before = JSON.stringify(value);
  const out = JSON.parse(text(encodeJson(value)));
  assert.deepEqual(out, {
    managedFields: 1,
    spec: { metadata: { managedFields: 2 } },
    status: { managedFields: 'kept' },
    items: [{ spec: { managedFields: 3 } }, 'not an object', { metadata: {} }],
    metadata: { labels: { managedFields: 'a label' }, name: 'x"managedFields"' },
  });
  assert.equal(JSON.stringify(value), before, 'the value itself is not changed');
});

test('what is not an object is written as it is', () => {
  for (const value of [['managedFields'], 'managedFields', null, 5]) {
    assert.equal(text(encodeJson(value)), JSON.stringify(value));
  }
  assert.throws(() => encodeJson(undefined), TypeError);
});

test('records are compact UTF-8, escaping as serde_json does', () => {
  const bytes = encodeJson({ s: 'café ☃ \u0001 "q" \\ /', n: [1, -2, 0.5] });
  assert.equal(text(bytes), '{"s":"café ☃ \\u0001 \\"q\\" \\\\ /","n":[1,-2,0.5]}');
});

test('valid record names are accepted', () => {
  for (const name of ['config/clusteroperator/dns', 'a', 'weird..but.valid/x', 's'.repeat(255), `${'a/'.repeat(511)}b`]) {
    assert.equal(recordNameProblem(name), undefined, name);
  }
  // The same names as JSON records, where the archive path still fits.
  for (const name of ['config/clusteroperator/dns', 's'.repeat(250), 'a.json.x', 'insights-operator/gathers2']) {
    assert.equal(recordNameProblem(name, 'json'), undefined, name);
  }
});

test('bad record names are refused with the reason', () => {
  const cases = [
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['a/../../etc', '.. segment'],
    ['..', '.. segment'],
    ['a/./b', '. segment'],
    ['a//b', 'empty segment'],
    ['a/', 'ends with /'],
    ['a\\b', 'backslash'],
    ['a\u0000b', 'control character'],
    ['a\u0085b', 'control character'],
    ['insights-operator/gathers', 'reserved', 'json'],
    ['insights-operator/gathers.json', 'reserved'],
    ['a/config.json', 'ends with .json', 'json'],
    [`x/${'j'.repeat(251)}`, 'segment of 256 bytes', 'json'],
    [`${'a/'.repeat(510)}bcd`, '1028 bytes long', 'json'],
    ['s'.repeat(256), 'segment of 256 bytes'],
    ['é'.repeat(128), 'segment of 256 bytes'],
    [`${'a/'.repeat(512)}b`, '1025 bytes long'],
  ];
  for (const [name, reason, format] of cases) {
    assert.throws(() => checkRecordName(name, format), (e) => {
      assert.ok(e instanceof RecordError);
      assert.equal(e.record, name);
      assert.equal(e.error.tag, 'invalid-name');
      assert.ok(e.error.val.includes(reason), `${JSON.stringify(name)}: ${e.error.val}`);
      return true;
    });
  }
});
