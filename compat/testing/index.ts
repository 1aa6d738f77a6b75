/** Storm's testing helpers (§12); re-exported by `compat/index.ts`. */
export {
  Testing,
  AssertionError,
  type CapturedResults,
  type CapturedTopology,
  type CompletableCluster,
} from './testing.ts';
export { MockedSources } from './mocked-sources.ts';
export { CompleteTopologyParam, MkTupleParam, MkClusterParam, type CompleteTopologyParamInit } from './params.ts';
export { FixedTuple } from './fixed-tuple.ts';
export { FixedTupleSpout } from './fixed-tuple-spout.ts';
export type { CompletableSpout } from './completable-spout.ts';
export { FeederSpout, type AckFailDelegate } from './feeder-spout.ts';
export { TestWordSpout } from './test-word-spout.ts';
export { TestWordCounter } from './test-word-counter.ts';
export { TestGlobalCount } from './test-global-count.ts';
export { TupleCaptureBolt } from './tuple-capture-bolt.ts';
export { TrackedTopology, type TrackedKey } from './tracked-topology.ts';
