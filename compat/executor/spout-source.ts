/** A spout component as a runtime source: one reader (spout task) per subtask. */
import {
  NO_TIMESTAMP,
  StreamOperator,
  type Source,
  type SourceContext,
  type SourceReader,
} from '../../runtime/index.ts';
import type { RoutedTuple } from './routed-tuple.ts';
import type { TopologyRun } from '../translate/topology-run.ts';
import { SpoutTask } from './spout-task.ts';

export class SpoutSource implements Source<RoutedTuple> {
  constructor(
    private readonly run: TopologyRun,
    private readonly componentId: string,
    private readonly spoutObject: unknown,
  ) {}

  createReader(context: SourceContext): SourceReader<RoutedTuple> {
    return new SpoutTask(this.run, this.componentId, this.spoutObject, context.subtaskIndex, () =>
      context.signalAvailable(),
    );
  }
}

/**
 * Chained right behind a spout source: readers can only emit on the main output, while every
 * (stream, consumer) edge is a side output, so this hop forwards each tuple to its edge's tag.
 */
export class SpoutRouterOperator extends StreamOperator<RoutedTuple, never> {
  processElement(tuple: RoutedTuple): void {
    this.output.collectSide(tuple.tag, tuple, NO_TIMESTAMP);
  }
}
