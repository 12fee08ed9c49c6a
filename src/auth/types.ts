/**
 * What the authentication checks find, as plain data: rules read it as facts (engine/facts.ts)
 * and the checks (check.ts) produce it. Kept here, below the engine, so auth/ needs nothing
 * from the engine and the engine can read these types.
 */

export const AUTH_RESULTS = ['pass', 'fail', 'softfail', 'neutral', 'none', 'policy', 'temperror', 'permerror'] as const;
export type AuthResult = (typeof AUTH_RESULTS)[number];

/** Reverse DNS of the client: `pass` when its PTR name resolves back to it. */
export interface PtrFacts {
  readonly result: 'pass' | 'fail' | 'none';
  readonly name?: string;
}

export interface SpfFacts {
  readonly result: AuthResult;
  /** The domain SPF was checked for (the MAIL FROM domain, or the HELO name for <>). */
  readonly domain: string;
  /** The Received-SPF header line. */
  readonly header: string;
}

export interface DkimSignatureFacts {
  readonly result: AuthResult;
  readonly domain: string;
  readonly selector: string;
  /** The signing domain aligns with the From domain (DMARC). */
  readonly aligned: boolean;
}

export interface MessageAuthFacts {
  readonly dkim: readonly DkimSignatureFacts[];
  readonly dmarc: { readonly result: AuthResult; readonly domain: string; readonly policy: 'none' | 'quarantine' | 'reject' };
  readonly arc: AuthResult;
  readonly spf: AuthResult;
  /** Received-SPF and Authentication-Results lines, as a receiving MTA prepends them. */
  readonly headers: string;
}
