import 'reflect-metadata';
import { Controller, Get, Module, UseGuards, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import {
  addWorkspaceMember,
  createAdmin,
  createWorkspaceWithOwner,
  migrateIdentity,
  type Workspace,
} from '@tollgate/identity';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import {
  AdminGuard,
  CurrentAdmin,
  describeAdminActor,
  type AdminActor,
} from '../../../apps/portal/src/identity';
import { PortalModule } from '../../../apps/portal/src/portal.module';

const POOL = Symbol('TEST_PG_POOL');
export const ADMIN_TOKEN = 'tga_test_admin_token_0123456789';

/** How another team's admin JSON API would use the guard; lives in a module other than PortalModule. */
@Controller('admin/api')
class AdminProbeController {
  @Get('whoami')
  @UseGuards(AdminGuard)
  whoami(@CurrentAdmin() actor: AdminActor) {
    return { actor: describeAdminActor(actor) };
  }
}

/** Stands in for the CLI's AppModule: a global module that provides the pool under its own token. */
@Module({})
class TestRootModule {
  static forRoot(pool: Pool, cookieSecure: boolean): DynamicModule {
    return {
      module: TestRootModule,
      global: true,
      imports: [PortalModule.forRoot({ poolToken: POOL, adminToken: ADMIN_TOKEN, cookieSecure })],
      controllers: [AdminProbeController],
      providers: [{ provide: POOL, useValue: pool }],
      exports: [POOL],
    };
  }
}

export const PASSWORDS = {
  admin: 'admin password 1',
  alice: 'alice password 1',
  carol: 'carol password 1',
  bob: 'bob password 123',
} as const;

export interface PortalTestApp {
  url: string;
  pool: Pool;
  acme: Workspace;
  globex: Workspace;
  close(): Promise<void>;
}

/**
 * The portal as `bootstrap()` serves it (fastify, rawBody) on a random port, with two tenants:
 * Acme (alice owner, carol billing) and Globex (bob owner), plus an operator admin.
 */
export async function startPortal(options: { cookieSecure?: boolean } = {}): Promise<PortalTestApp> {
  const db: TestDatabase = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 5 });
  await migrateIdentity(pool);
  await createAdmin(pool, { email: 'admin@tollgate.test', password: PASSWORDS.admin });
  const acme = await createWorkspaceWithOwner(pool, {
    workspaceName: 'Acme Robotics',
    ownerEmail: 'alice@acme.test',
    ownerPassword: PASSWORDS.alice,
    ownerDisplayName: 'Alice Ng',
  });
  await addWorkspaceMember(pool, {
    workspaceId: acme.workspace.id,
    email: 'carol@acme.test',
    password: PASSWORDS.carol,
    displayName: 'Carol Diaz',
    role: 'billing',
  });
  const globex = await createWorkspaceWithOwner(pool, {
    workspaceName: 'Globex Secret Labs',
    ownerEmail: 'bob@globex.test',
    ownerPassword: PASSWORDS.bob,
    ownerDisplayName: 'Bob Hank',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    TestRootModule.forRoot(pool, options.cookieSecure ?? false),
    new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
    { logger: ['error'], rawBody: true },
  );
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    pool,
    acme: acme.workspace,
    globex: globex.workspace,
    close: async () => {
      await app.close();
      await pool.end();
      await db.drop();
    },
  };
}

/** A tiny cookie-keeping client for the portal's forms, like a browser without JavaScript. */
export class PortalClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  async request(
    path: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; headers: Headers; body: string; setCookies: string[] }> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body,
      redirect: 'manual',
    });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = decodeURIComponent(pair.slice(eq + 1));
      if (/Max-Age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, body: await res.text(), setCookies };
  }

  /** GET /login for the form token, then POST it like the browser would. */
  async signIn(email: string, password: string) {
    const form = await this.request('/login');
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
    if (!token) throw new Error('login form has no CSRF token');
    return this.request('/login', { method: 'POST', form: { _csrf: token, email, password } });
  }
}
