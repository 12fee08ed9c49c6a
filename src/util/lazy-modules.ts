/**
 * Heavy libraries, loaded on first use. Importing mailauth (with the certificate, HTTP and
 * schema stacks it pulls in) and mailparser costs a mockmx process ~50 MB of resident memory;
 * a run that never checks authentication or parses a message never pays it.
 */
let mailauth: Promise<typeof import('mailauth')> | undefined;
let mailparser: Promise<typeof import('mailparser')> | undefined;

export const loadMailauth = (): Promise<typeof import('mailauth')> => (mailauth ??= import('mailauth'));
export const loadMailparser = (): Promise<typeof import('mailparser')> => (mailparser ??= import('mailparser'));
