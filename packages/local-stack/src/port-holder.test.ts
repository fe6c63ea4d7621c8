import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StartupError } from './errors.ts';
import {
  assertPortsFree,
  findPortHolder,
  listeningSockets,
  portsTakenError,
  shortCommand,
} from './port-holder.ts';
import { freePort } from './ports.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A real listening socket held by this test process. */
async function listen(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  servers.push(server);
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

describe('listeningSockets', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:11D7 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0',
    '   1: 0100007F:11D7 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4243 1 0',
    '   2: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0',
  ].join('\n');

  it('reads the listening sockets of one port, not its connections or other ports', () => {
    expect(listeningSockets(table, 4567)).toEqual([{ inode: '4242', uid: 1000 }]);
    expect(listeningSockets(table, 8000)).toEqual([{ inode: '77', uid: 0 }]);
    expect(listeningSockets(table, 9229)).toEqual([]);
  });
});

describe.runIf(process.platform === 'linux')('findPortHolder', () => {
  it('names the pid and command of the process listening on a port', async () => {
    const port = await listen();
    const holder = await findPortHolder(port);
    expect(holder).toMatchObject({ pid: process.pid, uid: process.getuid?.() });
    expect(holder?.command).toContain('node');
  });

  it('finds IPv6 listeners too', async () => {
    const port = await listen('::');
    expect((await findPortHolder(port))?.pid).toBe(process.pid);
  });

  it('finds nothing on a free port', async () => {
    expect(await findPortHolder(await freePort())).toBeUndefined();
  });
});

describe('assertPortsFree', () => {
  it('passes when every port is free', async () => {
    await expect(assertPortsFree([{ name: 'gateway', port: await freePort() }])).resolves.toBeUndefined();
  });

  it('fails with one line naming the port, what it is for and who holds it', async () => {
    const port = await listen();
    const err = await assertPortsFree([
      { name: 'gateway', port },
      { name: 'users', port: await freePort() },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    const { message, hint } = err as StartupError;
    if (process.platform === 'linux') {
      expect(message).toMatch(
        new RegExp(`^port ${port} \\(gateway\\) is taken by pid ${process.pid} \\(.*node.*\\)$`),
      );
      expect(hint).toBe(`stop it (kill ${process.pid}), then try again`);
    }
    expect(message).not.toContain('\n');
    expect(message).not.toContain('users');
  });
});

describe('shortCommand', () => {
  it('keeps a command line on one short line', () => {
    expect(shortCommand(['/usr/lib/jvm/bin/java', '-jar', 'DynamoDBLocal.jar'])).toBe(
      'java -jar DynamoDBLocal.jar',
    );
    expect(shortCommand(['python3', '-c', 'import x\nx.run()'])).toBe('python3 -c import x x.run()');
    expect(shortCommand(['node', 'x'.repeat(200)])).toHaveLength(100);
  });
});

describe('portsTakenError', () => {
  it('names a holder of several ports once', () => {
    const holder = { uid: 0, pid: 10, command: 'python3 hold.py' };
    const err = portsTakenError([
      { name: 'DynamoDB Local', port: 8000, holder },
      { name: 'users service', port: 4571, holder },
    ]);
    expect(err.message).toBe(
      'ports 8000 (DynamoDB Local), 4571 (users service) are taken by pid 10 (python3 hold.py)',
    );
    expect(err.hint).toBe('stop it (kill 10), then try again');
  });

  it('says how to find a holder it could not see', () => {
    const err = portsTakenError([{ name: 'gateway', port: 4567, holder: { uid: 1001 } }]);
    expect(err.message).toBe(
      'port 4567 (gateway) is taken by a process of uid 1001 that this user cannot inspect',
    );
    expect(err.hint).toMatch(
      /^find the holder of 4567 with (sudo ss -ltnp 'sport = :4567'|lsof .*) and stop it, then try again$/,
    );
  });

  it('names every taken port in one line', () => {
    const err = portsTakenError([
      { name: 'gateway', port: 4567, holder: { uid: 0, pid: 10, command: 'node other.js' } },
      { name: 'DynamoDB Local', port: 8000, holder: undefined },
    ]);
    expect(err.message).toBe(
      'ports 4567 (gateway), 8000 (DynamoDB Local) are taken: 4567 by pid 10 (node other.js), 8000 by a process that could not be found',
    );
    expect(err.hint).toMatch(
      /^stop it \(kill 10\); find the holder of 8000 with .+ and stop it, then try again$/,
    );
  });
});
