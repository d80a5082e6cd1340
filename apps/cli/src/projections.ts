import { invoicesProjection } from '@tollgate/invoicing';
import { workspaceRulesProjection } from '@tollgate/projections';
import { paymentOrdersProjection } from '@tollgate/payments';
import { catalogProjection } from '../../gateway/src/catalog/catalog.projection';
import {
  auditLogProjection,
  LEDGER_PROJECTIONS,
  marginsProjection,
  type AnyProjection,
} from '@tollgate/projections';

/** Every read model the product serves; the projector runs them and `tollgate projections` manages them. */
export const ALL_PROJECTIONS: readonly AnyProjection[] = [
  ...LEDGER_PROJECTIONS,
  catalogProjection,
  paymentOrdersProjection as AnyProjection,
  invoicesProjection as AnyProjection,
  workspaceRulesProjection,
  auditLogProjection,
  marginsProjection,
];
