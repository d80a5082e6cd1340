import type { InjectionToken } from '@nestjs/common';
import type { PaymentsConfig } from '@tollgate/payments';

export const PAYMENTS_OPTIONS = Symbol('tollgate.PAYMENTS_OPTIONS');
export const PAYMENTS_SERVICE = Symbol('tollgate.PAYMENTS_SERVICE');
export const WEBHOOK_PIPELINE = Symbol('tollgate.WEBHOOK_PIPELINE');
export const SANDBOX_PROVIDER = Symbol('tollgate.SANDBOX_PROVIDER');
export const CREDITING_REACTOR = Symbol('tollgate.CREDITING_REACTOR');
export const PAYMENTS_POOL = Symbol('tollgate.PAYMENTS_POOL');
export const PAYMENTS_EVENT_STORE = Symbol('tollgate.PAYMENTS_EVENT_STORE');

export interface PaymentsModuleOptions {
  /** Token under which the host provides the shared `pg` Pool. */
  poolToken: InjectionToken;
  /** Token under which the host provides the EventStore (e.g. ledger-nest's EVENT_STORE). */
  eventStoreToken: InjectionToken;
  config: PaymentsConfig;
  /** Which ledger account a workspace's credits go to; default: the account id is the workspace id. */
  accountIdForWorkspace?: (workspaceId: string) => Promise<string>;
  /** Run the crediting reactor in this process (the all-in-one default); false when the projector runs it. */
  runCreditingReactor?: boolean;
  /** Add the four demo packages to an empty catalogue at start. */
  seedPackages?: boolean;
  now?: () => Date;
}
