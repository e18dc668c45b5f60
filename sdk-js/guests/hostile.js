// A gatherer the host's tests run to check that a JavaScript component is held to the same
// rules as a Rust one. Its configuration key `attack` picks what it does:
// - `undeclared`: lists ClusterOperators, which its manifest (reads: v1/nodes) does not declare,
//   records how that failed in `undeclared-read/outcome`, then fails the run the same way;
// - `spin`: writes one record, then loops forever: only the deadline ends it;
// - `alloc`: writes one record, then allocates until the memory cap stops it.
import { RequestError, defineGatherer, resource } from '../src/index.js';

const clusterOperators = resource({
  group: 'config.openshift.io', version: 'v1', plural: 'clusteroperators', kind: 'ClusterOperator', namespaced: false,
});

function undeclared(ctx) {
  let outcome;
  try {
    outcome = { denied: false, items: clusterOperators.list().items.length };
  } catch (e) {
    outcome = { denied: e instanceof RequestError && e.kind === 'denied', error: e.message };
  }
  ctx.recordJson('undeclared-read/outcome', outcome);
  clusterOperators.list();
}

function spin(ctx) {
  ctx.recordRaw('hostile-js/before-spin', 'written before the loop');
  let n = 0;
  for (;;) n = (n * 31 + 7) % 1000003;
}

function alloc(ctx) {
  ctx.recordRaw('hostile-js/before-alloc', 'written before the allocations');
  const kept = [];
  for (;;) kept.push(new Uint8Array(1 << 20).fill(kept.length & 0xff));
}

const ATTACKS = { undeclared, spin, alloc };

export const gather = defineGatherer({
  name: 'hostile-js',
  version: '0.1.0',
  reads: ['v1/nodes'],
  gather(ctx) {
    const attack = ctx.config.get('attack');
    if (!(attack in ATTACKS)) throw new Error(`unknown attack ${attack}; one of ${Object.keys(ATTACKS).join(', ')}`);
    ATTACKS[attack](ctx);
  },
});
