import { testStack, uniqueName } from '@cruddur/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase, splitDatabaseUrl } from './database.ts';

const stack = testStack();
const urlFor = (name: string) => {
  const url = new URL(stack.postgresUrl);
  url.pathname = `/${name}`;
  return url.toString();
};
const target = urlFor(uniqueName('dbscript').replace(/-/g, '_'));
afterAll(() => dropDatabase(target).catch(() => undefined));

describe('db create and drop', () => {
  it('creates once, then says it exists; drops once, then says it is absent', async () => {
    expect(await createDatabase(target)).toBe('created');
    expect(await createDatabase(target)).toBe('exists');
    expect(await dropDatabase(target)).toBe('dropped');
    expect(await dropDatabase(target)).toBe('absent');
  });

  it('survives two creates at once', async () => {
    const outcomes = await Promise.all([createDatabase(target), createDatabase(target)]);
    expect(outcomes.sort()).toEqual(['created', 'exists']);
    await dropDatabase(target);
  });

  it('refuses to drop the server’s own databases and needs a database name', async () => {
    await expect(dropDatabase(urlFor('postgres'))).rejects.toThrow(/system database/);
    expect(() => splitDatabaseUrl('postgres://u:p@127.0.0.1:5432')).toThrow(/names no database/);
  });
});
