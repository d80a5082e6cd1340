import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandBus } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { DEMO_WORKSPACE_ID, seedDemoIdentity } from '@tollgate/identity';
import { GrantCreditsCommand, OpenAccountCommand } from '@tollgate/ledger-nest';
import type { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import { DEMO_UPSTREAM_MODEL } from './demo-upstream.controller';

const DEMO_PROVIDER = 'Tollgate demo upstream';
export const DEMO_ALIAS = 'demo-chat';
const DEMO_WELCOME_NANOCREDITS = 25_000_000_000n;

export interface DemoLogins {
  adminEmail: string;
  adminPassword: string;
  customerEmail: string;
  customerPassword: string;
  apiKey: string;
  workspaceId: string;
  alias: string;
}

interface DemoSecrets {
  adminPassword: string;
  customerPassword: string;
  apiKey?: string;
}

/**
 * Seeds the demo on every start, idempotently: an admin and a customer login, the customer's credit
 * account with welcome credits, a provider (Tollgate's own demo upstream), an alias with its cost and
 * price, and an API key. Passwords and the key live in the data dir so they can be printed again.
 */
export async function seedDemo(deps: {
  pool: Pool;
  commandBus: CommandBus;
  admin: GatewayAdmin;
  dataDir: string;
  baseUrl: string;
}): Promise<DemoLogins> {
  const file = join(deps.dataDir, 'demo-logins.json');
  const secrets: DemoSecrets = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets)
    : {
        adminPassword: randomBytes(9).toString('base64url'),
        customerPassword: randomBytes(9).toString('base64url'),
      };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });

  const identity = await seedDemoIdentity(deps.pool, secrets);
  const accountId = DEMO_WORKSPACE_ID;
  const now = new Date().toISOString();
  await deps.commandBus.execute(
    new OpenAccountCommand(
      {
        accountId,
        workspaceId: DEMO_WORKSPACE_ID,
        creditCurrency: 'USD',
        overdraftLimitNanocredits: 0n,
        idempotencyKey: 'demo-seed:open',
        now,
      },
      { actor: 'system' },
    ),
  );
  await deps.commandBus.execute(
    new GrantCreditsCommand(
      {
        accountId,
        grantId: 'demo-welcome',
        amountNanocredits: DEMO_WELCOME_NANOCREDITS,
        kind: 'promotional',
        reason: 'Demo welcome credits',
        actor: 'system',
        idempotencyKey: 'demo-seed:welcome',
        now,
      },
      { actor: 'system' },
    ),
  );

  const upstreamUrl = `${deps.baseUrl}/demo-upstream/v1`;
  const found = await deps.pool.query<{ id: string }>('SELECT id FROM gateway_providers WHERE name = $1', [
    DEMO_PROVIDER,
  ]);
  let providerId = found.rows[0]?.id;
  if (!providerId) {
    providerId = (
      await deps.admin.createProvider({
        name: DEMO_PROVIDER,
        baseUrl: upstreamUrl,
        apiKey: 'demo-upstream-key',
      })
    ).id;
    await deps.admin.setCostProfile({
      providerId,
      upstreamModel: DEMO_UPSTREAM_MODEL,
      inputPerMillion: '0.5',
      cachedInputPerMillion: '0.25',
      outputPerMillion: '1.5',
    });
    await deps.admin.upsertAlias({
      name: DEMO_ALIAS,
      policy: 'priority',
      deployments: [{ providerId, upstreamModel: DEMO_UPSTREAM_MODEL, priority: 0, weight: 1 }],
    });
    await deps.admin.setSellPrice({ alias: DEMO_ALIAS, price: { kind: 'markup', markupPercent: '40' } });
  } else {
    // The port may differ from the last start; the demo upstream is this process.
    await deps.pool.query('UPDATE gateway_providers SET base_url = $2, updated_at = now() WHERE id = $1', [
      providerId,
      upstreamUrl,
    ]);
  }

  const keys = await deps.admin.listApiKeys(DEMO_WORKSPACE_ID);
  const usable = keys.find((k) => k.name === 'demo' && !k.revokedAt);
  if (!usable || !secrets.apiKey || !secrets.apiKey.startsWith(usable.prefix)) {
    const key = await deps.admin.createApiKey({ workspaceId: DEMO_WORKSPACE_ID, accountId, name: 'demo' });
    secrets.apiKey = key.secret;
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }

  return {
    adminEmail: identity.admin.email,
    adminPassword: secrets.adminPassword,
    customerEmail: identity.customer.email,
    customerPassword: secrets.customerPassword,
    apiKey: secrets.apiKey!,
    workspaceId: DEMO_WORKSPACE_ID,
    alias: DEMO_ALIAS,
  };
}
