import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import {
  addWorkspaceMember,
  attemptLogin,
  createAdmin,
  createSession,
  createWorkspaceWithOwner,
  findWorkspaceForMember,
  listMemberships,
  listWorkspaceMembers,
  migrateIdentity,
  pruneExpiredSessions,
  pruneLoginFailures,
  renameWorkspace,
  resolveSession,
  resolveSessionWithMemberships,
  removeWorkspaceMember,
  revokeSession,
  seedDemoIdentity,
  DEMO_WORKSPACE_ID,
  sha256,
  verifyCsrfToken,
  type LoginRateLimit,
  type SessionPolicy,
} from './index';

const MINUTE_MS = 60_000;
const policy: SessionPolicy = {
  absoluteTtlMs: 60 * MINUTE_MS,
  idleTimeoutMs: 10 * MINUTE_MS,
  touchIntervalMs: MINUTE_MS,
};
const limit: LoginRateLimit = { maxFailures: 5, windowMs: 15 * MINUTE_MS };
const t0 = new Date('2026-01-01T10:00:00Z');
const at = (minutes: number): Date => new Date(t0.getTime() + minutes * MINUTE_MS);

describe('identity (Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 4 });
    await migrateIdentity(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  describe('migrations', () => {
    it('given migrated tables, when migrated again, then nothing is applied', async () => {
      const again = await migrateIdentity(pool);
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toEqual([1]);
    });
  });

  describe('admins and workspaces', () => {
    it('given a new email, when createAdmin runs twice, then one admin exists and the password is kept', async () => {
      const first = await createAdmin(pool, { email: ' Root@Example.COM ', password: 'first password' });
      const second = await createAdmin(pool, { email: 'root@example.com', password: 'other password' });
      expect(first.created).toBe(true);
      expect(first.user).toMatchObject({ email: 'root@example.com', isAdmin: true });
      expect(second).toMatchObject({ created: false, user: { id: first.user.id, isAdmin: true } });
      const login = await attemptLogin(pool, {
        email: 'root@example.com',
        password: 'first password',
        ip: '10.0.0.9',
        now: t0,
      });
      expect(login.kind).toBe('signed_in');
    });

    it('given an existing admin, when createAdmin resets the password, then only the new one signs in', async () => {
      await createAdmin(pool, { email: 'reset@example.com', password: 'old password 1' });
      await createAdmin(pool, {
        email: 'reset@example.com',
        password: 'new password 1',
        resetPassword: true,
      });
      const input = { email: 'reset@example.com', ip: '10.0.0.10', now: t0 };
      expect((await attemptLogin(pool, { ...input, password: 'old password 1' })).kind).toBe(
        'invalid_credentials',
      );
      expect((await attemptLogin(pool, { ...input, password: 'new password 1' })).kind).toBe('signed_in');
    });

    it('given two workspaces, when a member looks one up, then only their own is found', async () => {
      const a = await createWorkspaceWithOwner(pool, {
        workspaceName: 'Acme',
        ownerEmail: 'alice@acme.test',
        ownerPassword: 'alice password',
      });
      const b = await createWorkspaceWithOwner(pool, {
        workspaceName: 'Globex',
        ownerEmail: 'bob@globex.test',
        ownerPassword: 'bob password!',
      });
      await addWorkspaceMember(pool, {
        workspaceId: a.workspace.id,
        email: 'carol@acme.test',
        password: 'carol password',
        role: 'billing',
      });
      expect(a.ownerCreated).toBe(true);
      expect(await findWorkspaceForMember(pool, a.workspace.id, a.owner.id)).toMatchObject({
        workspace: { name: 'Acme' },
        role: 'owner',
      });
      expect(await findWorkspaceForMember(pool, b.workspace.id, a.owner.id)).toBeNull();
      expect(await findWorkspaceForMember(pool, 'not-a-uuid', a.owner.id)).toBeNull();
      expect(await listMemberships(pool, a.owner.id)).toEqual([
        { workspaceId: a.workspace.id, workspaceName: 'Acme', role: 'owner' },
      ]);
      expect((await listWorkspaceMembers(pool, a.workspace.id)).map((m) => [m.email, m.role])).toEqual([
        ['alice@acme.test', 'owner'],
        ['carol@acme.test', 'billing'],
      ]);
    });

    it('given a workspace, when renamed, then the new name is trimmed and kept; an empty name is refused', async () => {
      const { workspace } = await createWorkspaceWithOwner(pool, {
        workspaceName: 'Old name',
        ownerEmail: 'renamer@example.com',
        ownerPassword: 'renamer password',
      });
      expect((await renameWorkspace(pool, workspace.id, '  New name ')).name).toBe('New name');
      await expect(renameWorkspace(pool, workspace.id, '   ')).rejects.toMatchObject({
        code: 'NAME_INVALID',
      });
    });

    it('given the demo seed, when it runs twice, then one admin and one demo workspace exist and the first passwords still work', async () => {
      const first = await seedDemoIdentity(pool, {
        adminPassword: 'demo admin pw 1',
        customerPassword: 'demo customer 1',
      });
      const second = await seedDemoIdentity(pool, {
        adminPassword: 'other admin pw',
        customerPassword: 'other customer',
      });
      expect(first).toEqual({
        admin: { email: 'admin@example.com', created: true },
        customer: { email: 'demo@example.com', created: true, workspaceId: DEMO_WORKSPACE_ID },
      });
      expect(second.admin.created).toBe(false);
      expect(second.customer.created).toBe(false);
      const login = (email: string, password: string) =>
        attemptLogin(pool, { email, password, ip: '10.9.9.9', now: t0 }).then((r) => r.kind);
      expect(await login('admin@example.com', 'demo admin pw 1')).toBe('signed_in');
      expect(await login('demo@example.com', 'demo customer 1')).toBe('signed_in');
      const { rows } = await pool.query(
        'SELECT count(*)::int AS n FROM workspace_members WHERE workspace_id = $1',
        [DEMO_WORKSPACE_ID],
      );
      expect(rows[0].n).toBe(1);
    });

    it('given a sole owner, when demoted or removed, then LAST_OWNER; with a second owner, then it works', async () => {
      const { workspace, owner } = await createWorkspaceWithOwner(pool, {
        workspaceName: 'Solo',
        ownerEmail: 'solo@example.com',
        ownerPassword: 'solo password',
      });
      await expect(
        addWorkspaceMember(pool, { workspaceId: workspace.id, email: 'solo@example.com', role: 'member' }),
      ).rejects.toMatchObject({ code: 'LAST_OWNER' });
      await expect(
        removeWorkspaceMember(pool, { workspaceId: workspace.id, userId: owner.id }),
      ).rejects.toMatchObject({
        code: 'LAST_OWNER',
      });
      await addWorkspaceMember(pool, {
        workspaceId: workspace.id,
        email: 'second@example.com',
        password: 'second password',
        role: 'owner',
      });
      await removeWorkspaceMember(pool, { workspaceId: workspace.id, userId: owner.id });
      expect((await listWorkspaceMembers(pool, workspace.id)).map((m) => [m.email, m.role])).toEqual([
        ['second@example.com', 'owner'],
      ]);
    });

    it('given an unknown owner and no password, when a workspace is created, then it fails and nothing is written', async () => {
      await expect(
        createWorkspaceWithOwner(pool, { workspaceName: 'Ghost', ownerEmail: 'nobody@ghost.test' }),
      ).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
      const { rows } = await pool.query("SELECT 1 FROM workspaces WHERE name = 'Ghost'");
      expect(rows).toHaveLength(0);
    });

    it('given a taken email in another case, when a user is created for it, then the existing one is reused', async () => {
      const again = await createWorkspaceWithOwner(pool, {
        workspaceName: 'Acme Two',
        ownerEmail: 'ALICE@acme.test',
        ownerPassword: 'ignored password',
      });
      expect(again.ownerCreated).toBe(false);
      expect((await listMemberships(pool, again.owner.id)).map((m) => m.workspaceName)).toEqual([
        'Acme',
        'Acme Two',
      ]);
    });
  });

  describe('sessions', () => {
    let userId: string;
    beforeAll(async () => {
      userId = (await createAdmin(pool, { email: 'sess@example.com', password: 'session password' })).user.id;
    });

    it('given a new session, when its token is resolved, then the user is found and only the token hash is stored', async () => {
      const { token, session } = await createSession(pool, { userId, now: t0 }, policy);
      const resolved = await resolveSession(pool, token, at(1), policy);
      expect(resolved?.user).toMatchObject({ id: userId, email: 'sess@example.com', isAdmin: true });
      expect(resolved?.session.id).toBe(session.id);
      const { rows } = await pool.query<{ token_sha256: Buffer }>(
        'SELECT token_sha256 FROM user_sessions WHERE id = $1',
        [session.id],
      );
      expect(rows[0].token_sha256.equals(sha256(token))).toBe(true);
      const dump = JSON.stringify((await pool.query('SELECT * FROM user_sessions')).rows);
      expect(dump).not.toContain(token);
    });

    it('given a user in two workspaces, when the session is resolved with memberships, then both come in name order', async () => {
      const { owner } = await createWorkspaceWithOwner(pool, {
        workspaceName: 'Zeta',
        ownerEmail: 'multi@example.com',
        ownerPassword: 'multi password',
      });
      const { workspace: alpha } = await createWorkspaceWithOwner(pool, {
        workspaceName: 'Alpha',
        ownerEmail: 'multi@example.com',
      });
      const { token } = await createSession(pool, { userId: owner.id, now: t0 }, policy);
      const live = await resolveSessionWithMemberships(pool, token, at(1), policy);
      expect(live?.memberships.map((m) => m.workspaceName)).toEqual(['Alpha', 'Zeta']);
      expect(live?.memberships[0]).toEqual({ workspaceId: alpha.id, workspaceName: 'Alpha', role: 'owner' });
      const lonely = await createSession(pool, { userId, now: t0 }, policy);
      expect((await resolveSessionWithMemberships(pool, lonely.token, at(1), policy))?.memberships).toEqual(
        [],
      );
    });

    it('given an unknown or oversized token, when resolved, then there is no session', async () => {
      expect(await resolveSession(pool, 'nope', t0, policy)).toBeNull();
      expect(await resolveSession(pool, 'x'.repeat(5000), t0, policy)).toBeNull();
    });

    it('given a session used every 9 minutes, when the absolute lifetime passes, then it is gone', async () => {
      const { token } = await createSession(pool, { userId, now: t0 }, policy);
      for (let m = 9; m < 60; m += 9) expect(await resolveSession(pool, token, at(m), policy)).not.toBeNull();
      expect(await resolveSession(pool, token, at(60), policy)).toBeNull();
    });

    it('given a session left idle past the idle timeout, when resolved, then it is gone and deleted', async () => {
      const { token, session } = await createSession(pool, { userId, now: t0 }, policy);
      expect(await resolveSession(pool, token, at(9), policy)).not.toBeNull();
      expect(await resolveSession(pool, token, at(19), policy)).toBeNull();
      const { rowCount } = await pool.query('SELECT 1 FROM user_sessions WHERE id = $1', [session.id]);
      expect(rowCount).toBe(0);
      expect(session.lastSeenAt).toEqual(t0);
    });

    it('given a revoked session, when resolved, then it is gone', async () => {
      const { token } = await createSession(pool, { userId, now: t0 }, policy);
      await revokeSession(pool, token);
      expect(await resolveSession(pool, token, at(1), policy)).toBeNull();
    });

    it('given expired sessions, when pruned, then they are deleted and live ones kept', async () => {
      const live = await createSession(pool, { userId, now: at(100) }, policy);
      await pruneExpiredSessions(pool, at(150));
      const { rows } = await pool.query<{ expires_at: Date }>('SELECT expires_at FROM user_sessions');
      expect(rows.every((r) => r.expires_at.getTime() > at(150).getTime())).toBe(true);
      expect(await resolveSession(pool, live.token, at(101), policy)).not.toBeNull();
    });

    it('given a session, when CSRF tokens are checked, then only its own token passes', async () => {
      const { session } = await createSession(pool, { userId, now: t0 }, policy);
      const other = await createSession(pool, { userId, now: t0 }, policy);
      expect(verifyCsrfToken(session, session.csrfToken)).toBe(true);
      expect(verifyCsrfToken(session, other.session.csrfToken)).toBe(false);
      expect(verifyCsrfToken(session, '')).toBe(false);
      expect(verifyCsrfToken(session, undefined)).toBe(false);
      expect(verifyCsrfToken(session, ['array'])).toBe(false);
    });
  });

  describe('login rate limiting', () => {
    const email = 'limited@example.com';
    beforeAll(async () => {
      await createWorkspaceWithOwner(pool, {
        workspaceName: 'Limited',
        ownerEmail: email,
        ownerPassword: 'the right password',
      });
    });

    it('given 5 failures from one ip, when the right password comes, then it is refused until the window passes', async () => {
      const ip = '192.0.2.1';
      for (let i = 0; i < 5; i++) {
        const r = await attemptLogin(pool, { email, password: `wrong ${i}`, ip, now: at(i) }, limit);
        expect(r.kind).toBe('invalid_credentials');
      }
      const locked = await attemptLogin(
        pool,
        { email, password: 'the right password', ip, now: at(6) },
        limit,
      );
      expect(locked).toEqual({ kind: 'rate_limited', retryAfterMs: 9 * MINUTE_MS });
      const otherIp = await attemptLogin(
        pool,
        { email, password: 'the right password', ip: '192.0.2.2', now: at(6) },
        limit,
      );
      expect(otherIp.kind).toBe('signed_in');
      const later = await attemptLogin(
        pool,
        { email, password: 'the right password', ip, now: at(15) },
        limit,
      );
      expect(later.kind).toBe('signed_in');
    });

    it('given 4 failures then a success, when more failures come, then the count started again', async () => {
      const ip = '192.0.2.3';
      for (let i = 0; i < 4; i++)
        await attemptLogin(pool, { email, password: 'nope nope', ip, now: t0 }, limit);
      expect(
        (await attemptLogin(pool, { email, password: 'the right password', ip, now: t0 }, limit)).kind,
      ).toBe('signed_in');
      for (let i = 0; i < 4; i++)
        await attemptLogin(pool, { email, password: 'nope nope', ip, now: t0 }, limit);
      expect(
        (await attemptLogin(pool, { email, password: 'the right password', ip, now: t0 }, limit)).kind,
      ).toBe('signed_in');
    });

    it('given 10 concurrent wrong guesses, when they race, then at most 5 are checked and the rest refused', async () => {
      const ip = '192.0.2.4';
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          attemptLogin(pool, { email, password: `guess ${i} guess`, ip, now: t0 }, limit),
        ),
      );
      const checked = results.filter((r) => r.kind === 'invalid_credentials').length;
      expect(checked).toBeLessThanOrEqual(5);
      expect(results.filter((r) => r.kind === 'rate_limited').length).toBe(10 - checked);
      const { rows } = await pool.query('SELECT 1 FROM login_failures WHERE ip = $1', [ip]);
      expect(rows.length).toBe(checked);
    });

    it('given failures older than the window, when pruned, then only they are deleted', async () => {
      const ip = '192.0.2.6';
      await attemptLogin(pool, { email, password: 'old wrong 1', ip, now: t0 }, limit);
      await attemptLogin(pool, { email, password: 'new wrong 1', ip, now: at(20) }, limit);
      await pruneLoginFailures(pool, at(25), limit);
      const { rows } = await pool.query<{ attempted_at: Date }>(
        'SELECT attempted_at FROM login_failures WHERE ip = $1',
        [ip],
      );
      expect(rows.map((r) => r.attempted_at)).toEqual([at(20)]);
    });

    it('given an unknown email, when tried, then it fails like a wrong password and still counts', async () => {
      const ip = '192.0.2.5';
      const r = await attemptLogin(
        pool,
        { email: 'ghost@example.com', password: 'whatever pw', ip, now: t0 },
        limit,
      );
      expect(r.kind).toBe('invalid_credentials');
      const { rowCount } = await pool.query('SELECT 1 FROM login_failures WHERE ip = $1', [ip]);
      expect(rowCount).toBe(1);
    });
  });
});
