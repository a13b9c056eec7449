/**
 * Federation error codes (docs/protocol.md). A hub closes a connection with the WebSocket close code
 * and the code string as the close reason; tests assert on codes, never on message text.
 */
export const FEDERATION_ERRORS = {
  CN_ERR_PROTOCOL_VERSION: 4001,
  CN_ERR_FRAME_TOO_LARGE: 4002,
  CN_ERR_LOOP_DETECTED: 4003,
  CN_ERR_BAD_MESSAGE: 4004,
  CN_ERR_HELLO_TIMEOUT: 4005,
  CN_ERR_REPLACED: 4006,
  CN_ERR_TOO_MANY_HOPS: 4007,
  CN_ERR_UNEXPECTED_MESSAGE: 4008,
  CN_ERR_SHUTTING_DOWN: 4009,
  CN_ERR_BUSY: 4010,
  CN_ERR_SELF_PEER: 4011,
  CN_ERR_CLOCK_SKEW: 4012,
} as const;

export type FederationErrorCode = keyof typeof FEDERATION_ERRORS;

/** A protocol violation with a stable code; thrown by the codec, turned into a close by the session. */
export class FederationError extends Error {
  constructor(
    readonly code: FederationErrorCode,
    message: string,
  ) {
    super(message);
  }

  get closeCode(): number {
    return FEDERATION_ERRORS[this.code];
  }
}

/** Reverse lookup for a close code received by a source (undefined for codes not ours). */
export function federationErrorName(closeCode: number): FederationErrorCode | undefined {
  for (const [name, code] of Object.entries(FEDERATION_ERRORS)) {
    if (code === closeCode) return name as FederationErrorCode;
  }
  return undefined;
}
