import { describe, expect, it } from 'vitest';
import { StateFactory, DEFAULT_STATE_PROVIDER } from '../../../compat/state/state-factory.ts';
import { InMemoryKeyValueState } from '../../../compat/state/in-memory-key-value-state.ts';
import { BaseStatefulBolt } from '../../../compat/state/base-stateful-bolt.ts';
import type { KeyValueState } from '../../../compat/state/state.ts';

describe('StateFactory', () => {
  it('maps the default, Redis and HBase providers to the checkpointed in-memory state silently', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    for (const provider of [
      undefined,
      DEFAULT_STATE_PROVIDER,
      'org.apache.storm.redis.state.RedisKeyValueStateProvider',
      'org.apache.storm.hbase.state.HBaseKeyValueStateProvider',
    ]) {
      const conf = provider === undefined ? {} : { 'topology.state.provider': provider };
      expect(StateFactory.getState('count-3', conf, undefined, { warn })).toBeInstanceOf(InMemoryKeyValueState);
    }
    expect(warnings).toEqual([]);
  });

  it('warns on an unknown provider and maps it the same way; parses the provider config JSON', () => {
    const warnings: string[] = [];
    const conf = {
      'topology.state.provider': 'com.example.MyProvider',
      'topology.state.provider.config': '{"keyClass":"java.lang.String"}',
    };
    const info = StateFactory.resolveProvider(conf, { warn: (m) => warnings.push(m) });
    expect(info).toEqual({
      provider: 'com.example.MyProvider',
      known: false,
      providerConfig: { keyClass: 'java.lang.String' },
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('com.example.MyProvider');
    expect(StateFactory.getState('x-1', conf, undefined, { warn: () => {} })).toBeInstanceOf(InMemoryKeyValueState);
    expect(StateFactory.namespace('count', 12)).toBe('count-12');
  });
});

describe('BaseStatefulBolt', () => {
  it('provides no-op hooks and a null component configuration', () => {
    class Counter extends BaseStatefulBolt<KeyValueState<string, number>> {
      state: KeyValueState<string, number> | null = null;
      initState(s: KeyValueState<string, number>) {
        this.state = s;
      }
      execute() {}
    }
    const b = new Counter();
    expect(b.getComponentConfiguration()).toBeNull();
    expect(() => {
      b.prePrepare(0);
      b.preCommit(0);
      b.preRollback();
      b.cleanup();
    }).not.toThrow();
  });
});
