// The Kafka harness lives in harness/kafka (bench and samples use it too, and they never import test/).
export * from '../../../harness/kafka/index.ts';
