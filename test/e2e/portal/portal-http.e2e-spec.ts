import { ADMIN_TOKEN, PASSWORDS, PortalClient, startPortal, type PortalTestApp } from './portal-test-app';

// A shared 2-core machine: generous per-test time, the tests themselves take well under a second or two.
jest.setTimeout(20_000);

describe('portal identity over HTTP', () => {
  let portal: PortalTestApp;

  beforeAll(async () => {
    portal = await startPortal();
  }, 60_000);

  afterAll(async () => {
    await portal?.close();
  });

  async function signedIn(email: string, password: string): Promise<PortalClient> {
    const client = new PortalClient(portal.url);
    const res = await client.signIn(email, password);
    expect(res.status).toBe(303);
    return client;
  }

  describe('signing in and out', () => {
    it('given no session, when / and a workspace page are opened, then both redirect to the login form', async () => {
      const client = new PortalClient(portal.url);
      expect((await client.request('/')).headers.get('location')).toBe('/login');
      const page = await client.request(`/w/${portal.acme.id}`);
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`/w/${portal.acme.id}`)}`);
    });

    it('given no session, when the JSON API is asked, then it answers 401 with a code', async () => {
      const res = await new PortalClient(portal.url).request('/api/me');
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('given the right password, when signing in, then an HttpOnly SameSite=Lax session cookie is set and / leads to the workspace', async () => {
      const client = new PortalClient(portal.url);
      const res = await client.signIn('Alice@Acme.test', PASSWORDS.alice);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
      const session = res.setCookies.find((c) => c.startsWith('tg_session='));
      expect(session).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
      expect(session).not.toMatch(/Secure/);
      const home = await client.request('/');
      expect(home.headers.get('location')).toBe(`/w/${portal.acme.id}`);
      const page = await client.request(`/w/${portal.acme.id}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Acme Robotics');
      expect(page.body).toContain('carol@acme.test');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('cache-control')).toBe('no-store');
    });

    it('given TOLLGATE_COOKIE_SECURE (cookieSecure), when signing in over http, then the cookies are Secure', async () => {
      const secure = await startPortal({ cookieSecure: true });
      try {
        const res = await new PortalClient(secure.url).signIn('alice@acme.test', PASSWORDS.alice);
        expect(res.status).toBe(303);
        const session = res.setCookies.find((c) => c.startsWith('tg_session='));
        expect(session).toMatch(/; HttpOnly; SameSite=Lax; .*; Secure$/);
      } finally {
        await secure.close();
      }
    });

    it('given a wrong password, when signing in, then the form says so with 401 and no session is set', async () => {
      const client = new PortalClient(portal.url);
      const res = await client.signIn('alice@acme.test', 'not the password');
      expect(res.status).toBe(401);
      expect(res.body).toContain('That email and password do not match an account.');
      expect(res.body).toContain('value="alice@acme.test"');
      expect(client.cookie('tg_session')).toBeUndefined();
    });

    it('given a session, when signing out with its CSRF token, then the session no longer works', async () => {
      const client = await signedIn('carol@acme.test', PASSWORDS.carol);
      const oldCookie = client.cookie('tg_session')!;
      const me = JSON.parse((await client.request('/api/me')).body) as { csrfToken: string };
      const out = await client.request('/logout', { method: 'POST', form: { _csrf: me.csrfToken } });
      expect(out.status).toBe(303);
      expect(out.headers.get('location')).toBe('/login');
      expect(client.cookie('tg_session')).toBeUndefined();
      client.setCookie('tg_session', oldCookie);
      expect((await client.request('/api/me')).status).toBe(401);
    });

    it('given a forged session cookie, when a page is opened, then it is treated as signed out', async () => {
      const client = new PortalClient(portal.url);
      client.setCookie('tg_session', 'A'.repeat(43));
      expect((await client.request(`/w/${portal.acme.id}`)).status).toBe(303);
    });

    it('given a next path, when signing in, then only a same-site path is followed', async () => {
      const client = new PortalClient(portal.url);
      const form = await client.request(`/login?next=${encodeURIComponent('//evil.example/x')}`);
      expect(form.body).not.toContain('evil.example');
      const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];
      const res = await client.request('/login', {
        method: 'POST',
        form: {
          _csrf: token,
          email: 'alice@acme.test',
          password: PASSWORDS.alice,
          next: 'https://evil.example',
        },
      });
      expect(res.headers.get('location')).toBe('/');
    });
  });

  describe('tenant isolation', () => {
    it("given alice of Acme, when she opens Globex's page by id, then she gets 404 and nothing of Globex", async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const page = await alice.request(`/w/${portal.globex.id}`);
      expect(page.status).toBe(404);
      expect(page.body).not.toMatch(/Globex|bob@globex|Bob Hank/);
      const unknown = await alice.request('/w/00000000-0000-4000-8000-000000000000');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toBe(page.body);
    });

    it("given alice of Acme, when she asks for Globex's JSON by id, then it is the same 404 as for no workspace", async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const theirs = await alice.request(`/api/workspaces/${portal.globex.id}`);
      const none = await alice.request('/api/workspaces/00000000-0000-4000-8000-000000000000');
      const garbage = await alice.request('/api/workspaces/not-a-uuid');
      expect(theirs.status).toBe(404);
      expect(theirs.body).toBe(none.body);
      expect(garbage.status).toBe(404);
      expect(theirs.body).not.toMatch(/Globex|bob@globex/);
      const mine = await alice.request(`/api/workspaces/${portal.acme.id}`);
      expect(mine.status).toBe(200);
      expect(JSON.parse(mine.body)).toMatchObject({
        id: portal.acme.id,
        name: 'Acme Robotics',
        role: 'owner',
        members: [
          { email: 'alice@acme.test', role: 'owner' },
          { email: 'carol@acme.test', role: 'billing' },
        ],
      });
    });

    it('given alice, when she asks /api/me, then only her own workspaces are listed', async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const me = JSON.parse((await alice.request('/api/me')).body) as Record<string, unknown>;
      expect(me).toMatchObject({
        user: { email: 'alice@acme.test', isAdmin: false },
        workspaces: [{ id: portal.acme.id, name: 'Acme Robotics', role: 'owner' }],
      });
      expect(JSON.stringify(me)).not.toContain('Globex');
    });

    it('given a customer, when the admin workspace is opened, then it does not exist for them; an admin sees every workspace', async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      expect((await alice.request('/admin')).status).toBe(404);
      const admin = await signedIn('admin@tollgate.test', PASSWORDS.admin);
      expect((await admin.request('/')).headers.get('location')).toBe('/admin');
      const page = await admin.request('/admin');
      expect(page.status).toBe(200);
      expect(page.body).toContain('Acme Robotics');
      expect(page.body).toContain('Globex Secret Labs');
    });
  });

  describe('admin JSON API guard (used by another module)', () => {
    it("given the operator's bearer token, when the admin API is called, then it is admitted as the token", async () => {
      const res = await new PortalClient(portal.url).request('/admin/api/whoami', {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ actor: 'admin-token' });
    });

    it('given a wrong bearer token, even with an admin session, when the admin API is called, then 401', async () => {
      const admin = await signedIn('admin@tollgate.test', PASSWORDS.admin);
      const res = await admin.request('/admin/api/whoami', {
        headers: { authorization: 'Bearer tga_wrong' },
      });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'ADMIN_TOKEN_INVALID' });
    });

    it('given sessions, when the admin API is called, then an admin is admitted as a user and a customer gets 404', async () => {
      const admin = await signedIn('admin@tollgate.test', PASSWORDS.admin);
      const me = JSON.parse((await admin.request('/api/me')).body) as { user: { id: string } };
      const asAdmin = await admin.request('/admin/api/whoami');
      expect(JSON.parse(asAdmin.body)).toEqual({ actor: `user:${me.user.id}` });
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      expect((await alice.request('/admin/api/whoami')).status).toBe(404);
      expect((await new PortalClient(portal.url).request('/admin/api/whoami')).status).toBe(401);
    });
  });

  describe('CSRF', () => {
    it('given a session, when it posts /logout without a token, then 403 explains it and the session still works', async () => {
      const bob = await signedIn('bob@globex.test', PASSWORDS.bob);
      const res = await bob.request('/logout', { method: 'POST', form: {} });
      expect(res.status).toBe(403);
      expect(res.body).toContain('security token');
      expect(res.body).toContain('nothing was changed');
      expect((await bob.request('/api/me')).status).toBe(200);
    });

    it("given a session, when it posts with another session's token, then it is refused", async () => {
      const bob = await signedIn('bob@globex.test', PASSWORDS.bob);
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const aliceToken = (JSON.parse((await alice.request('/api/me')).body) as { csrfToken: string })
        .csrfToken;
      const res = await bob.request('/logout', { method: 'POST', headers: { 'x-csrf-token': aliceToken } });
      expect(res.status).toBe(403);
      expect((await bob.request('/api/me')).status).toBe(200);
    });

    it('given a JSON client, when it posts with the token in x-csrf-token, then it is accepted', async () => {
      const bob = await signedIn('bob@globex.test', PASSWORDS.bob);
      const token = (JSON.parse((await bob.request('/api/me')).body) as { csrfToken: string }).csrfToken;
      const res = await bob.request('/logout', { method: 'POST', headers: { 'x-csrf-token': token } });
      expect(res.status).toBe(303);
      expect((await bob.request('/api/me')).status).toBe(401);
    });

    it('given a login form posted without its token, when signing in, then 403 and no session', async () => {
      const client = new PortalClient(portal.url);
      const res = await client.request('/login', {
        method: 'POST',
        form: { email: 'alice@acme.test', password: PASSWORDS.alice },
      });
      expect(res.status).toBe(403);
      expect(res.body).toContain('security token check failed');
      expect(client.cookie('tg_session')).toBeUndefined();
    });
  });

  describe('a real write: renaming a workspace', () => {
    async function acmeName(): Promise<string> {
      const { rows } = await portal.pool.query<{ name: string }>(
        'SELECT name FROM workspaces WHERE id = $1',
        [portal.acme.id],
      );
      return rows[0].name;
    }

    it('given the owner, when the rename form is posted without its token, then 403 and the name is unchanged', async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const res = await alice.request(`/w/${portal.acme.id}/name`, {
        method: 'POST',
        form: { name: 'Hijacked' },
      });
      expect(res.status).toBe(403);
      expect(res.body).toContain('nothing was changed');
      expect(await acmeName()).toBe('Acme Robotics');
    });

    it('given a billing member, when she renames, then 403 for her role; another tenant gets 404; the name is unchanged', async () => {
      const carol = await signedIn('carol@acme.test', PASSWORDS.carol);
      const carolToken = (JSON.parse((await carol.request('/api/me')).body) as { csrfToken: string })
        .csrfToken;
      const byCarol = await carol.request(`/w/${portal.acme.id}/name`, {
        method: 'POST',
        form: { _csrf: carolToken, name: 'Carol Co' },
      });
      expect(byCarol.status).toBe(403);
      const bob = await signedIn('bob@globex.test', PASSWORDS.bob);
      const bobToken = (JSON.parse((await bob.request('/api/me')).body) as { csrfToken: string }).csrfToken;
      const byBob = await bob.request(`/w/${portal.acme.id}/name`, {
        method: 'POST',
        form: { _csrf: bobToken, name: 'Bob Co' },
      });
      expect(byBob.status).toBe(404);
      expect(await acmeName()).toBe('Acme Robotics');
    });

    it('given the owner with the form token, when she renames, then the page shows the new name; an empty name is a 400', async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const page = await alice.request(`/w/${portal.acme.id}`);
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
      const empty = await alice.request(`/w/${portal.acme.id}/name`, {
        method: 'POST',
        form: { _csrf: token, name: '  ' },
      });
      expect(empty.status).toBe(400);
      expect(empty.body).toContain('Enter a name of 1 to 120 characters.');
      const ok = await alice.request(`/w/${portal.acme.id}/name`, {
        method: 'POST',
        form: { _csrf: token, name: 'Acme <Robotics> & Co' },
      });
      expect(ok.status).toBe(303);
      const renamed = await alice.request(`/w/${portal.acme.id}`);
      expect(renamed.body).toContain('Acme &lt;Robotics&gt; &amp; Co');
      await portal.pool.query('UPDATE workspaces SET name = $2 WHERE id = $1', [
        portal.acme.id,
        'Acme Robotics',
      ]);
    });
  });

  describe('members, onboarding and passwords', () => {
    async function csrfOf(client: PortalClient): Promise<string> {
      return (JSON.parse((await client.request('/api/me')).body) as { csrfToken: string }).csrfToken;
    }
    const initialPassword = (html: string): string | undefined =>
      /<code class="secret">([^<]+)<\/code>/.exec(html)?.[1];

    it('given the owner, when she adds a new email, then its initial password is shown once and signs in to that workspace only', async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const res = await alice.request(`/w/${portal.acme.id}/members`, {
        method: 'POST',
        form: { _csrf: await csrfOf(alice), email: 'dave@acme.test', role: 'member' },
      });
      expect(res.status).toBe(200);
      const password = initialPassword(res.body)!;
      expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect((await alice.request(`/w/${portal.acme.id}`)).body).not.toContain(password);
      const dave = await signedIn('dave@acme.test', password);
      expect(JSON.parse((await dave.request('/api/me')).body)).toMatchObject({
        workspaces: [{ id: portal.acme.id, role: 'member' }],
      });
      expect(
        (
          await dave.request(`/w/${portal.acme.id}/members`, {
            method: 'POST',
            form: { _csrf: await csrfOf(dave), email: 'x@y.test', role: 'owner' },
          })
        ).status,
      ).toBe(403);
    });

    it('given the owner, when she adds an existing user of another tenant, then no password is shown and they join', async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const res = await alice.request(`/w/${portal.acme.id}/members`, {
        method: 'POST',
        form: { _csrf: await csrfOf(alice), email: 'bob@globex.test', role: 'billing' },
      });
      expect(res.status).toBe(200);
      expect(initialPassword(res.body)).toBeUndefined();
      expect(res.body).toContain('bob@globex.test is now a billing of this workspace.');
      const bobId = (
        JSON.parse((await (await signedIn('bob@globex.test', PASSWORDS.bob)).request('/api/me')).body) as {
          user: { id: string };
        }
      ).user.id;
      const removed = await alice.request(`/w/${portal.acme.id}/members/${bobId}/remove`, {
        method: 'POST',
        form: { _csrf: await csrfOf(alice) },
      });
      expect(removed.status).toBe(303);
      const bob = await signedIn('bob@globex.test', PASSWORDS.bob);
      expect((await bob.request(`/w/${portal.acme.id}`)).status).toBe(404);
    });

    it('given the sole owner, when she removes herself, then 409 explains a workspace needs an owner', async () => {
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const me = JSON.parse((await alice.request('/api/me')).body) as {
        user: { id: string };
        csrfToken: string;
      };
      const res = await alice.request(`/w/${portal.acme.id}/members/${me.user.id}/remove`, {
        method: 'POST',
        form: { _csrf: me.csrfToken },
      });
      expect(res.status).toBe(409);
      expect(res.body).toContain('A workspace needs at least one owner');
    });

    it('given an admin, when a workspace is created for a new owner, then the owner can sign in with the shown password', async () => {
      const admin = await signedIn('admin@tollgate.test', PASSWORDS.admin);
      const res = await admin.request('/admin/workspaces', {
        method: 'POST',
        form: { _csrf: await csrfOf(admin), name: 'Initech', ownerEmail: 'peter@initech.test' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toContain('Workspace Initech created, owned by peter@initech.test.');
      const peter = await signedIn('peter@initech.test', initialPassword(res.body)!);
      const me = JSON.parse((await peter.request('/api/me')).body) as {
        workspaces: { name: string; role: string }[];
      };
      expect(me.workspaces).toEqual([expect.objectContaining({ name: 'Initech', role: 'owner' })]);
      const alice = await signedIn('alice@acme.test', PASSWORDS.alice);
      const byCustomer = await alice.request('/admin/workspaces', {
        method: 'POST',
        form: { _csrf: await csrfOf(alice), name: 'Nope', ownerEmail: 'alice@acme.test' },
      });
      expect(byCustomer.status).toBe(404);
    });

    it('given a user, when she changes her password, then other sessions end, this one goes on, and only the new password works', async () => {
      const admin = await signedIn('admin@tollgate.test', PASSWORDS.admin);
      const created = await admin.request('/admin/workspaces', {
        method: 'POST',
        form: { _csrf: await csrfOf(admin), name: 'Erin Ltd', ownerEmail: 'erin@tollgate.test' },
      });
      const first = initialPassword(created.body)!;
      const laptop = await signedIn('erin@tollgate.test', first);
      const phone = await signedIn('erin@tollgate.test', first);
      const mismatch = await laptop.request('/account/password', {
        method: 'POST',
        form: {
          _csrf: await csrfOf(laptop),
          currentPassword: first,
          newPassword: 'erin new password',
          confirmPassword: 'other',
        },
      });
      expect(mismatch.status).toBe(400);
      const wrong = await laptop.request('/account/password', {
        method: 'POST',
        form: {
          _csrf: await csrfOf(laptop),
          currentPassword: 'not it at all',
          newPassword: 'erin new password',
          confirmPassword: 'erin new password',
        },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toContain('The current password is not right.');
      const ok = await laptop.request('/account/password', {
        method: 'POST',
        form: {
          _csrf: await csrfOf(laptop),
          currentPassword: first,
          newPassword: 'erin new password',
          confirmPassword: 'erin new password',
        },
      });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe('/account?changed=password');
      const after = await laptop.request('/account?changed=password');
      expect(after.status).toBe(200);
      expect(after.body).toContain('Password changed.');
      expect((await phone.request('/api/me')).status).toBe(401);
      expect((await new PortalClient(portal.url).signIn('erin@tollgate.test', first)).status).toBe(401);
      expect(
        (await new PortalClient(portal.url).signIn('erin@tollgate.test', 'erin new password')).status,
      ).toBe(303);
    });
  });

  describe('login rate limit', () => {
    it('given 5 wrong passwords, when the right one comes next, then 429 with Retry-After and no session', async () => {
      const client = new PortalClient(portal.url);
      for (let i = 0; i < 5; i++) {
        const res = await client.signIn('carol@acme.test', `wrong password ${i}`);
        expect(res.status).toBe(401);
      }
      const blocked = await client.signIn('carol@acme.test', PASSWORDS.carol);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
      expect(blocked.body).toContain('Too many failed sign-in attempts. Try again in 15 minutes.');
      expect(client.cookie('tg_session')).toBeUndefined();
    });
  });
});
