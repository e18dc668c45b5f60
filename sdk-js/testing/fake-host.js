// The contract's imports in Node: every call goes to the FakeApi installed by the test, and
// fails as a test error when there is none.
const SLOT = Symbol.for('wagather.sdk.testing.fake');

function current(what) {
  const fake = globalThis[SLOT];
  if (!fake) {
    throw new Error(`${what} was called with no FakeApi installed (use new FakeApi().install())`);
  }
  return fake;
}

export function httpRequest(request) {
  return current('kube.http-request').httpRequest(request);
}

export function writeRecord(name, format, data) {
  return current('output.write-record').writeRecord(name, format, data);
}

export function reportError(error) {
  return current('output.report-error').reportError(error);
}
