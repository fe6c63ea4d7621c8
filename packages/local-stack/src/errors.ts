/**
 * An expected failure of bringing part of the system up (a port taken, no Java, a dependency that does
 * not answer): `message` says in one line what failed, `hint` in one line what to do about it, so a
 * launcher can print exactly that. `detail` keeps what helps to debug, such as a process's last output.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly detail: string | undefined;

  constructor(
    message: string,
    readonly hint: string,
    options: { detail?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options.detail;
  }
}
