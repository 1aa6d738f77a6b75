/** Storm external modules on stormshift connectors: storm-kafka-client and storm-redis. */
export {
  KafkaSpout,
  KafkaSpoutConfig,
  ProcessingGuarantee,
  FirstPollOffsetStrategy,
  ConsumerRecord,
  DefaultRecordTranslator,
  SimpleRecordTranslator,
  KafkaSpoutRetryExponentialBackoff,
  TimeInterval,
  type RecordTranslator,
  type KafkaSpoutRetryService,
  type KafkaSpoutMessageId,
} from './kafka-spout.ts';
export {
  KafkaBolt,
  DefaultTopicSelector,
  FieldNameTopicSelector,
  FieldNameBasedTupleToKafkaMapper,
  type KafkaTopicSelector,
  type TupleToKafkaMapper,
} from './kafka-bolt.ts';
export {
  RedisLookupBolt,
  RedisStoreBolt,
  RedisDataType,
  RedisDataTypeDescription,
  JedisPoolConfig,
  type RedisMapper,
  type RedisLookupMapper,
  type RedisStoreMapper,
} from './redis-bolts.ts';
