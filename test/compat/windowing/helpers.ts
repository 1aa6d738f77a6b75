import { Fields } from '../../../compat/component/fields.ts';
import { TupleImpl, type Tuple } from '../../../compat/component/tuple.ts';

/** Real tuples from a fake context that knows each (component, stream)'s fields. */
export function tupleFactory(schema: Record<string, string[]>) {
  const context = {
    getComponentOutputFields(component: string, stream: string): Fields {
      const f = schema[`${component}:${stream}`];
      if (!f) throw new Error(`no schema for ${component}:${stream}`);
      return new Fields(f);
    },
  };
  return (component: string, stream: string, values: unknown[], task = 1): Tuple =>
    new TupleImpl(context, values, component, task, stream);
}

export interface Activation<T> {
  tuples: T[];
  newTuples: T[] | null;
  expired: T[] | null;
  start: number | null;
  end: number | null;
}
