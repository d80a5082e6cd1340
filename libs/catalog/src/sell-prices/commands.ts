import type { CommandActor } from '../command-base';
import type { SellPriceSpec } from '../events';

/** Commands of the `sell-price-{alias}` stream. */
export interface SetSellPrice extends CommandActor {
  type: 'SetSellPrice';
  alias: string;
  price: SellPriceSpec;
  /** ISO time the version takes over; null = now. Never before now: the past is changed by corrections. */
  effectiveAt: string | null;
}

export type SellPriceCommand = SetSellPrice;
