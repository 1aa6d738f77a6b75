export {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './descriptors.ts';
export type { AggregateFunction, StateDescriptor, StateKind } from './descriptors.ts';
export type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state-handles.ts';
export { HeapKeyedStateBackend } from './heap-keyed-backend.ts';
export type { KeyedStateSnapshot } from './heap-keyed-backend.ts';
export { OperatorStateStore } from './operator-state.ts';
export type { OperatorListMode, OperatorListState, OperatorStateSnapshot } from './operator-state.ts';
export {
  canonicalKey,
  checkParallelism,
  DEFAULT_MAX_PARALLELISM,
  hashKey,
  keyGroupOf,
  murmur3Bytes,
  murmur3String,
  murmur3TaggedAscii,
  subtaskForKey,
  subtaskForKeyGroup,
} from './key-hash.ts';
