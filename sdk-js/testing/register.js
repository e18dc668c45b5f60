// `node --import @wagather/sdk/testing/register.js`: resolves the contract's import specifiers
// (`wagather:gatherer/...`) to `fake-host.js`, so a gatherer module and the SDK load in Node as
// they are, and their requests and records go to the `FakeApi` a test installs.
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
