import type { CreditPackage } from '../packages/credit-package';
import type { BillingProfile } from '../billing-profiles/billing-profile';
import type { TaxSnapshot } from '../tax/tax-snapshot';
import { describeRefundPolicy, type RefundPolicy } from './refund-policy';
import type { PaymentEvent, ProviderName } from './events';
import type { OrderStatus } from './decider';

/** The JSON an order is shown as (customer and admin); amounts stay integer strings. */
export interface OrderView {
  orderId: string;
  workspaceId: string;
  accountId: string;
  status: OrderStatus;
  provider: ProviderName;
  package: Pick<CreditPackage, 'packageId' | 'name' | 'tier' | 'settlement' | 'taxMode'>;
  creditsNanocredits: string;
  /** Exactly the figures frozen when the order was created. */
  quote: { tax: TaxSnapshot; refundPolicy: RefundPolicy; refundPolicyText: string };
  billingProfile: BillingProfile;
  billingProfileRevision: number;
  checkout: { sessionId: string; url: string } | null;
  payment: { providerPaymentId: string; amountMinor: string; currency: string; confirmedAt: string } | null;
  manualPaymentReference: string | null;
  flaggedForReview: boolean;
  reviewReasons: string[];
  refunds: Array<{
    refundId: string;
    status: 'requested' | 'completed' | 'failed';
    amountMinor: string;
    creditsNanocredits: string;
    providerRefundId: string | null;
    reason: string;
  }>;
  createdAt: string;
  updatedAt: string;
}

/** Folds an order stream into its view; null for a stream without a PaymentOrderCreated. */
export function orderViewFromEvents(
  events: readonly { event: PaymentEvent; recordedAt: Date }[],
): OrderView | null {
  let view: OrderView | null = null;
  for (const { event, recordedAt } of events) {
    if (event.type === 'PaymentOrderCreated') {
      const d = event.data;
      view = {
        orderId: d.orderId,
        workspaceId: d.workspaceId,
        accountId: d.accountId,
        status: 'created',
        provider: d.provider,
        package: {
          packageId: d.package.packageId,
          name: d.package.name,
          tier: d.package.tier,
          settlement: d.package.settlement,
          taxMode: d.package.taxMode,
        },
        creditsNanocredits: d.creditsNanocredits,
        quote: {
          tax: d.tax,
          refundPolicy: d.refundPolicy,
          refundPolicyText: describeRefundPolicy(d.refundPolicy),
        },
        billingProfile: d.billingProfile,
        billingProfileRevision: d.billingProfileRevision,
        checkout: null,
        payment: null,
        manualPaymentReference: null,
        flaggedForReview: false,
        reviewReasons: [],
        refunds: [],
        createdAt: d.createdAt,
        updatedAt: recordedAt.toISOString(),
      };
      continue;
    }
    if (!view) continue;
    view.updatedAt = recordedAt.toISOString();
    switch (event.type) {
      case 'CheckoutSessionOpened':
        view.status = 'checkout_open';
        view.checkout = { sessionId: event.data.sessionId, url: event.data.url };
        break;
      case 'PaymentConfirmed':
        view.status = 'confirmed';
        view.payment = {
          providerPaymentId: event.data.providerPaymentId,
          amountMinor: event.data.amountMinor,
          currency: event.data.currency,
          confirmedAt: event.data.confirmedAt,
        };
        break;
      case 'ManualPaymentApproved':
        view.manualPaymentReference = event.data.paymentReference;
        break;
      case 'ManualPaymentRejected':
        view.status = 'rejected';
        break;
      case 'PaymentFailed':
        view.status = 'failed';
        break;
      case 'CheckoutExpired':
        view.status = 'expired';
        break;
      case 'PaymentOrderCancelled':
        view.status = 'cancelled';
        break;
      case 'OrderFlaggedForReview':
        view.flaggedForReview = true;
        view.reviewReasons.push(event.data.reason);
        break;
      case 'RefundRequested':
        view.refunds.push({
          refundId: event.data.refundId,
          status: 'requested',
          amountMinor: event.data.amountMinor,
          creditsNanocredits: event.data.creditsNanocredits,
          providerRefundId: null,
          reason: event.data.reason,
        });
        break;
      case 'PaymentRefunded': {
        const r = view.refunds.find((x) => x.refundId === event.data.refundId);
        if (r) {
          r.status = 'completed';
          r.providerRefundId = event.data.providerRefundId;
        }
        const refundedCredits = view.refunds
          .filter((x) => x.status === 'completed')
          .reduce((sum, x) => sum + BigInt(x.creditsNanocredits), 0n);
        if (refundedCredits >= BigInt(view.creditsNanocredits)) view.status = 'refunded';
        break;
      }
      case 'RefundFailed': {
        const r = view.refunds.find((x) => x.refundId === event.data.refundId);
        if (r) r.status = 'failed';
        break;
      }
      default: {
        const never: never = event;
        throw new Error(`unknown payment event ${(never as { type: string }).type}`);
      }
    }
  }
  return view;
}
