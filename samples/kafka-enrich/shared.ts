/** What both versions of the sample agree on: record shapes, names and where services are. */
export interface Order {
  orderId: string;
  userId: string;
  amount: number;
}

export interface RegionTotal {
  region: string;
  orders: number;
  total: number;
}

export const INPUT_TOPIC = 'orders';
export const OUTPUT_TOPIC = 'region-totals';
/** One Redis hash, user id → region (storm-redis's HASH lookup shape: HGET <hash> <user>). */
export const USER_REGIONS = 'user-regions';
export const REGIONS = ['eu', 'us', 'apac'];

export function kafkaBrokers(): string[] {
  const brokers =
    process.env.KAFKA_BROKERS?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  if (brokers.length === 0) {
    throw new Error(
      'kafka-enrich: set KAFKA_BROKERS=host:port[,host:port] (see samples/kafka-enrich/README.md; `npx tsx samples/kafka-enrich/demo.ts` starts one)',
    );
  }
  return brokers;
}

export function redisUrl(): string {
  return process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
}

export function argValue(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}
