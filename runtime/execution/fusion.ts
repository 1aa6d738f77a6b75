/**
 * Whether deployments wire the direct record hops (DirectChainedOutput, SinkChainedOutput,
 * LocalChannelOutput) where a record has one place to go. Always on in jobs; tests turn it off to
 * run the same job through the general outputs and show both paths give the same records, state
 * and counters.
 * @internal
 */
export const chainFusion = { enabled: true };
