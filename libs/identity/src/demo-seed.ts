import type { Pool } from 'pg';
import { createAdmin, createWorkspaceWithOwner } from './provisioning';

/** Fixed, so the ledger's demo seed can open the billing account of the same id. */
export const DEMO_WORKSPACE_ID = '0de00000-0000-4000-8000-000000000001';
export const DEMO_ADMIN_EMAIL = 'admin@example.com';
export const DEMO_CUSTOMER_EMAIL = 'demo@example.com';

export interface DemoIdentity {
  admin: { email: string; created: boolean };
  customer: { email: string; created: boolean; workspaceId: string };
}

/**
 * The demo's operator admin and one customer workspace ("Demo Workspace", owner demo@example.com).
 * Safe on every start: what exists is kept, passwords included, so the caller should keep the
 * passwords it generated (e.g. in the data dir) to print them again.
 */
export async function seedDemoIdentity(
  pool: Pool,
  passwords: { adminPassword: string; customerPassword: string },
): Promise<DemoIdentity> {
  const admin = await createAdmin(pool, { email: DEMO_ADMIN_EMAIL, password: passwords.adminPassword });
  const { rowCount } = await pool.query('SELECT 1 FROM workspaces WHERE id = $1', [DEMO_WORKSPACE_ID]);
  let customerCreated = false;
  if (!rowCount) {
    const seeded = await createWorkspaceWithOwner(pool, {
      workspaceId: DEMO_WORKSPACE_ID,
      workspaceName: 'Demo Workspace',
      ownerEmail: DEMO_CUSTOMER_EMAIL,
      ownerPassword: passwords.customerPassword,
      ownerDisplayName: 'Demo Customer',
    });
    customerCreated = seeded.ownerCreated;
  }
  return {
    admin: { email: DEMO_ADMIN_EMAIL, created: admin.created },
    customer: { email: DEMO_CUSTOMER_EMAIL, created: customerCreated, workspaceId: DEMO_WORKSPACE_ID },
  };
}
