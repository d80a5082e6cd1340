import type { CommandActor } from '../command-base';
import type { TokenCost } from '../events';

/** Commands of the `cost-profile-{providerId}-{modelKey}` stream. */
export interface SetCostProfile extends CommandActor {
  type: 'SetCostProfile';
  providerId: string;
  upstreamModel: string;
  cost: TokenCost;
  /** ISO time the version takes over; null = now. Never before now: the past is changed by corrections. */
  effectiveAt: string | null;
}

export type CostProfileCommand = SetCostProfile;
