/**
 * Submitting the first event of a chain that `run()` waits on, over a shared
 * transport: register as a reader of other processes' outcomes first (so
 * the chain's outcomes reach this process), fail fast when no worker is
 * alive, then publish.
 * @module
 */
import { TransportError } from '../core/errors.js';
import type { Event } from '../core/event.js';
import type { Transport } from '../transport/types.js';
import type { Waits } from './waiters.js';

/**
 * Publishes `event` (through `submit`) once the transport is ready for
 * `run()` to see its chain's outcomes; failures end the chain's wait.
 *
 * @example
 * ```ts
 * const p = waits.chain(chainId, event._id);
 * submitChain(transport, waits, event, chainId, p, () => runner.accept(event));
 * ```
 */
export function submitChain(transport: Transport, waits: Waits, event: Event, chainId: string, waited: Promise<unknown>, submit: () => void): void {
  const ch = transport.outcomes;
  let wanted: Promise<void> | void = undefined;
  if (ch?.want !== undefined) {
    wanted = ch.want(true); // before publishing: the chain's outcomes from other processes must reach us
    const off = (): void => void ch.want!(false);
    waited.then(off, off);
  }
  const live = transport.liveWorkers;
  if (live === undefined && wanted === undefined) return submit();
  Promise.resolve(wanted)
    .then(() => (live === undefined ? 1 : live.call(transport)))
    .then(
      (n) => (n > 0 ? submit() : waits.failChain(chainId, new TransportError(transport.name, 'run the event: no worker is alive in the namespace', 'start `agentflow worker`', event._id))),
      (err: unknown) => waits.failChain(chainId, err),
    );
}
