import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from '@cruddur/logger';
import { ManagedProcess } from '../process.ts';
import { DEPENDENCY_LABELS, type Dependency } from './dependency.ts';

const require = createRequire(import.meta.url);

/**
 * cognito-local: user pools and real RS256 access tokens with a JWKS endpoint, so local sign-in takes
 * the same verification path as AWS. It keeps state in `<dir>/.cognito`; the stack gives it a temp
 * dir (in-memory mode) or the data dir.
 */
export class CognitoEmulator implements Dependency {
  readonly name = 'cognito' as const;
  private readonly process: ManagedProcess;

  constructor(
    readonly port: number,
    private readonly options: { stateDir: string; logger: Logger; logFile?: string | undefined },
  ) {
    this.process = new ManagedProcess('cognito', options.logger, {
      label: DEPENDENCY_LABELS.cognito,
      logFile: options.logFile,
    });
  }

  get pid() {
    return this.process.pid;
  }
  get endpoint() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const configDir = join(this.options.stateDir, '.cognito');
    mkdirSync(configDir, { recursive: true });
    // The issuer must be the address clients reach, or the tokens' `iss` will not match the JWKS URL.
    writeFileSync(
      join(configDir, 'config.json'),
      JSON.stringify(
        {
          TokenConfig: { IssuerDomain: this.endpoint },
          ServerConfig: { hostname: '127.0.0.1', port: this.port },
        },
        null,
        2,
      ),
    );
    const entry = join(dirname(require.resolve('cognito-local/package.json')), 'lib/bin/start.js');
    await this.process.startAndWait(
      process.execPath,
      [entry],
      {
        cwd: this.options.stateDir,
        env: {
          ...process.env,
          PORT: String(this.port),
          HOST: '127.0.0.1',
          DEBUG: '',
          AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
        },
      },
      `${this.endpoint}/health`,
    );
  }

  stop = () => this.process.stop();
  kill9 = () => this.process.kill9();
}
