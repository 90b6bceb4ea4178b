/**
 * Caps on open hub connections: per participant (one hub token, or the same participant's
 * renewed one) and per client address. A participant needs one connection per shell (a few
 * tabs, a reconnect overlapping the old socket); an address may hold many participants (an
 * office or a carrier's NAT behind one address). Past either cap, a join is refused with 429
 * before the upgrade, so a flood of sockets costs the gateway no memory per socket.
 *
 * A loopback address is this machine (a benchmark, a tool, a balancer on the same host): it has
 * no per-address cap, since behind a local balancer that is not in TANDEM_TRUSTED_PROXIES every
 * client would share it. List such a balancer there, so that each client has its own cap.
 */

import { isLoopback } from '../identity/client-address.js';

/** Open connections one participant of one session may hold. */
export const MAX_CONNECTIONS_PER_PARTICIPANT = 8;
/** Open connections one client address may hold (TANDEM_TRUSTED_PROXIES decides the address). */
export const MAX_CONNECTIONS_PER_ADDRESS = 256;

export interface CapKeys {
  session: string;
  participant: string;
  address: string;
}

export class ConnectionCaps {
  readonly #byParticipant = new Map<string, number>();
  readonly #byAddress = new Map<string, number>();

  constructor(
    readonly perParticipant = MAX_CONNECTIONS_PER_PARTICIPANT,
    readonly perAddress = MAX_CONNECTIONS_PER_ADDRESS,
  ) {}

  /** Why one more connection is refused, or null when it may open. */
  refusal(k: CapKeys): string | null {
    if ((this.#byParticipant.get(participantKey(k)) ?? 0) >= this.perParticipant)
      return `this participant already holds ${this.perParticipant} hub connections`;
    if (!isLoopback(k.address) && (this.#byAddress.get(k.address) ?? 0) >= this.perAddress)
      return `this address already holds ${this.perAddress} hub connections`;
    return null;
  }

  opened(k: CapKeys): void {
    bump(this.#byParticipant, participantKey(k), 1);
    bump(this.#byAddress, k.address, 1);
  }

  closed(k: CapKeys): void {
    bump(this.#byParticipant, participantKey(k), -1);
    bump(this.#byAddress, k.address, -1);
  }
}

function participantKey(k: CapKeys): string {
  return `${k.session}\u0000${k.participant}`;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
