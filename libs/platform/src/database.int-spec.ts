import { Client } from 'pg';
import { createTestDatabase } from '../../testing/src';

describe('test databases', () => {
  it('given a run, when a test asks for a database, then it gets an empty one of its own it can drop', async () => {
    const db = await createTestDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS name');
    await client.end();
    expect(rows[0].name).toBe(db.name);
    await db.drop();
  });
});
