import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandBus } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { DEMO_WORKSPACE_ID, seedDemoIdentity } from '@tollgate/identity';
import { GrantCreditsCommand, OpenAccountCommand } from '@tollgate/ledger-nest';
import type { GatewayAdmin } from '../../../gateway/src/catalog/gateway-admin';
import { applyCatalog } from '../apply/apply';

/** Declared in demo-catalog.yaml. */
export const DEMO_ALIAS = 'demo-chat';

/**
 * The demo catalog file: beside this source file, or — when running the compiled CLI from dist/ (tsc
 * does not copy YAML) — in the source tree the build came from.
 */
export function demoCatalogFile(): string {
  const candidates = [
    join(__dirname, 'demo-catalog.yaml'),
    join(__dirname, '..', '..', '..', '..', '..', 'apps', 'cli', 'src', 'demo', 'demo-catalog.yaml'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`demo-catalog.yaml not found (looked in ${candidates.join(', ')})`);
  return found;
}
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
 * account with welcome credits, the catalog of demo-catalog.yaml (Tollgate's own demo upstream, an
 * open alias with its cost and price), and an API key. Passwords and the key live in the data dir so they can be printed again.
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

  // The catalog comes from a YAML file applied like `tollgate apply -f` (idempotent: a restart on
  // another port only updates the provider's base URL).
  await applyCatalog(deps.admin, readFileSync(demoCatalogFile(), 'utf8'), {
    env: { TOLLGATE_URL: deps.baseUrl },
    actor: 'demo-seed',
  });

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
