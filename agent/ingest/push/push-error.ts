/**
 * A refused push: `status` and `code` go to the client as `{error: {code, message}}` through the
 * agent app's error handler (`expose` lets the message through).
 */
export class PushError extends Error {
  readonly expose = true;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
