export type DeploymentOutcome = 'finished' | 'cancelled';

/**
 * How one incarnation of a job ends: finished, cancelled or failed, exactly once. Whatever comes
 * second (a failure reported while cancelling, a late worker error) is told it lost the race.
 */
export class OutcomeLatch {
  readonly promise: Promise<DeploymentOutcome>;
  private resolveOutcome!: (outcome: DeploymentOutcome) => void;
  private rejectOutcome!: (error: unknown) => void;
  private done = false;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    // Nobody may await the outcome if start() itself throws; keep Node from flagging it.
    this.promise.catch(() => {});
  }

  get settled(): boolean {
    return this.done;
  }

  /** True when this call decided the outcome. */
  resolve(outcome: DeploymentOutcome): boolean {
    if (this.done) return false;
    this.done = true;
    this.resolveOutcome(outcome);
    return true;
  }

  /** True when this call decided the outcome. */
  reject(error: unknown): boolean {
    if (this.done) return false;
    this.done = true;
    this.rejectOutcome(error);
    return true;
  }
}
