/** Storm's Thrift `KillOptions`: only the wait before teardown (§12). */
export class KillOptions {
  private waitSecs: number | undefined;

  set_wait_secs(secs: number | bigint): void {
    this.waitSecs = Math.max(0, Math.trunc(Number(secs)));
  }
  get_wait_secs(): number {
    return this.waitSecs ?? 0;
  }
  is_set_wait_secs(): boolean {
    return this.waitSecs !== undefined;
  }
  unset_wait_secs(): void {
    this.waitSecs = undefined;
  }
}
