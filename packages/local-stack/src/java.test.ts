import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError } from './errors.ts';
import { assertJava, javaMajor } from './java.ts';

describe('javaMajor', () => {
  it('reads the major version from java -version, old style too', () => {
    expect(javaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(javaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajor('java version "1.8.0_292"')).toBe(8);
    expect(javaMajor('bash: java: command not found')).toBeUndefined();
  });
});

describe('assertJava', () => {
  const empty = mkdtempSync(join(tmpdir(), 'no-java-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('names the package and the command that installs it when no java is on PATH', async () => {
    const err = await assertJava({ PATH: empty }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as StartupError).message).toBe(
      'Java is not installed (no java on PATH); DynamoDB Local needs Java 17',
    );
    expect((err as StartupError).hint).toContain(
      'install the package openjdk-17-jre-headless with: sudo apt-get install -y openjdk-17-jre-headless',
    );
  });
});
