// Gathers every ClusterOperator into config/clusteroperator/<name>.json, as the Insights
// Operator's clusterconfig/operators gatherer does: the JavaScript twin of
// examples/cluster-operators.
import { defineGatherer, resource } from '../../sdk-js/src/index.js';

const clusterOperators = resource({
  group: 'config.openshift.io',
  version: 'v1',
  plural: 'clusteroperators',
  kind: 'ClusterOperator',
  namespaced: false,
});

export const gather = defineGatherer({
  name: 'cluster-operators-js',
  version: '0.1.0',
  reads: ['config.openshift.io/v1/clusteroperators'],
  gather(ctx) {
    for (const op of clusterOperators.listAll()) {
      ctx.recordJson(`config/clusteroperator/${op.metadata.name}`, op);
    }
  },
});
