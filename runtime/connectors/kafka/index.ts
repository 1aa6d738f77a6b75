/** Kafka connectors (kafkajs): a checkpointed source and an at-least-once / exactly-once sink. */
export {
  kafkaSource,
  kafkaReader,
  type KafkaReader,
  type KafkaPartitionOffsets,
  type KafkaSourceOptions,
  type KafkaSourceState,
  type KafkaStartFrom,
} from './source.ts';
export {
  kafkaSink,
  type KafkaSinkOptions,
  type KafkaDeliveryGuarantee,
  type KafkaSealedTransaction,
  type KafkaTransactionCommittable,
} from './sink.ts';
export type { KafkaConnectionOptions } from './client.ts';
// A kafkajs client configured as the connectors configure theirs (compat's KafkaBolt uses it).
export { createKafka } from './client.ts';
export type {
  KafkaConsumerRecord,
  DecodedRecord,
  Deserializer,
  DeserializerSpec,
  Serializer,
  SerializerSpec,
} from './serde.ts';
