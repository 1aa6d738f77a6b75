/** One error type for a Flux file that cannot be parsed, validated or built; it names where. */
import { IllegalArgumentException } from '../component/exceptions.ts';

export class FluxException extends IllegalArgumentException {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
  }
}
