import type { CreditPackage } from '../packages/credit-package';
import type { BillingProfile } from '../billing-profiles/billing-profile';
import type { TaxSnapshot } from '../tax/tax-snapshot';
import type { RefundPolicy } from './refund-policy';
import type { ProviderName } from './events';

/** Every command carries its idempotency key and the caller's clock; deciders never read time. */
interface Base {
  orderId: string;
  idempotencyKey: string;
  now: Date;
}

export interface CreateOrder extends Base {
  type: 'CreateOrder';
  workspaceId: string;
  accountId: string;
  package: CreditPackage;
  provider: ProviderName;
  billingProfile: BillingProfile;
  billingProfileRevision: number;
  tax: TaxSnapshot;
  refundPolicy: RefundPolicy;
  actor: string;
}

export interface OpenCheckoutSession extends Base {
  type: 'OpenCheckoutSession';
  provider: ProviderName;
  sessionId: string;
  url: string;
}

export interface ConfirmPayment extends Base {
  type: 'ConfirmPayment';
  provider: ProviderName;
  providerEventId: string;
  providerPaymentId: string;
  amountMinor: bigint;
  /** As the provider sent it (Stripe: lower case). */
  currency: string;
  /** Stripe `payment_status`; only `paid` confirms. */
  paid: boolean;
}

export interface ExpireCheckout extends Base {
  type: 'ExpireCheckout';
  providerEventId: string;
}

export interface FailPayment extends Base {
  type: 'FailPayment';
  providerEventId: string;
  reason: string;
}

export interface CancelOrder extends Base {
  type: 'CancelOrder';
  reason: string;
  actor: string;
}

export interface ApproveManualPayment extends Base {
  type: 'ApproveManualPayment';
  paymentReference: string;
  actor: string;
}

export interface RejectManualPayment extends Base {
  type: 'RejectManualPayment';
  reason: string;
  actor: string;
}

export interface RequestRefund extends Base {
  type: 'RequestRefund';
  refundId: string;
  /** Omitted: everything still refundable (capped by the unconsumed credits). */
  creditsNanocredits?: bigint;
  /** The account's unconsumed credits of this purchase, read from the ledger just before. */
  unconsumedNanocredits: bigint;
  reason: string;
  actor: string;
}

export interface CompleteRefund extends Base {
  type: 'CompleteRefund';
  refundId: string;
  providerRefundId: string;
}

export interface FailRefund extends Base {
  type: 'FailRefund';
  refundId: string;
  reason: string;
}

/** A provider says this much of the payment has been refunded in total (Stripe charge.refunded). */
export interface ReconcileProviderRefunds extends Base {
  type: 'ReconcileProviderRefunds';
  providerEventId: string;
  amountRefundedTotalMinor: bigint;
  currency: string;
}

/** The crediting reactor could not credit a confirmed order: a human must look at it. */
export interface FlagCreditingRejected extends Base {
  type: 'FlagCreditingRejected';
  ledgerCode: string;
}

export type PaymentCommand =
  | CreateOrder
  | OpenCheckoutSession
  | ConfirmPayment
  | ExpireCheckout
  | FailPayment
  | CancelOrder
  | ApproveManualPayment
  | RejectManualPayment
  | RequestRefund
  | CompleteRefund
  | FailRefund
  | ReconcileProviderRefunds
  | FlagCreditingRejected;
