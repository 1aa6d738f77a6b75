/**
 * reuse: one bolt class wired more than once (stateful-sum's StatefulSumBolt as 'partialsum' after
 * the spout and as 'total' after the printers) becomes one native class for every use, so its input
 * record type must fit each use. It takes the longest common prefix of its inputs' fields (same
 * names in the same order): a field read by name or by index within the prefix reads the same
 * field on every input, a read beyond it is left (SS205 names the fields), and every input record
 * is assignable to the narrowed type. Whole-tuple uses need the full field list and stay SS205.
 */
import type { ComponentClass, WiredComponent, Wiring } from '../../analyze/index.ts';
import type { RecordShape } from '../planner.ts';

/** For each class wired more than once: how many leading input fields all its uses share. */
export function sharedPrefixes(
  wiring: Wiring,
  components: ReadonlyMap<ComponentClass['decl'], ComponentClass>,
): Map<ComponentClass['decl'], number> {
  const byId = new Map(wiring.components.map((c) => [c.id, c]));
  const outputFields = (c: WiredComponent | undefined): string[] | undefined =>
    c?.libraryClass === 'TestWordSpout'
      ? ['word']
      : c?.classDecl
        ? components.get(c.classDecl)?.outputFields
        : undefined;
  const uses = new Map<ComponentClass['decl'], string[][]>();
  for (const c of wiring.components) {
    if (c.kind !== 'bolt' || !c.classDecl || c.groupings.length === 0) continue;
    const input = outputFields(byId.get(c.groupings[0]!.source));
    if (!input) continue;
    uses.set(c.classDecl, [...(uses.get(c.classDecl) ?? []), input]);
  }
  const out = new Map<ComponentClass['decl'], number>();
  for (const [decl, inputs] of uses) {
    if (inputs.length < 2) continue;
    let n = 0;
    while (inputs.every((f) => f.length > n && f[n] === inputs[0]![n])) n++;
    out.set(decl, n);
  }
  return out;
}

/** The shape cut to its first `n` fields, marked narrowed (whole-tuple rules then leave the bolt). */
export function narrowed(shape: RecordShape, n: number | undefined): RecordShape {
  if (n === undefined || n >= shape.fields.length) return shape;
  const fields = shape.fields.slice(0, n);
  return { fields, types: new Map(fields.map((f) => [f, shape.types.get(f) ?? 'unknown'])), narrowed: true };
}
