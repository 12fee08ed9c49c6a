/**
 * Heavy libraries, loaded on first use. Importing mailauth (with the certificate, HTTP and
 * schema stacks it pulls in) and mailparser costs a mockmx process ~50 MB of resident memory;
 * a run that never checks authentication or parses a message never pays it. nodemailer (~15 MB)
 * is needed only once a notice is composed or delivered.
 */
import type MimeNodeClass from 'nodemailer/lib/mime-node';

let mailauth: Promise<typeof import('mailauth')> | undefined;
let mailparser: Promise<typeof import('mailparser')> | undefined;

export const loadMailauth = (): Promise<typeof import('mailauth')> => (mailauth ??= import('mailauth'));
export const loadMailparser = (): Promise<typeof import('mailparser')> => (mailparser ??= import('mailparser'));
let nodemailer: Promise<(typeof import('nodemailer'))['default']> | undefined;
let mimeNode: Promise<typeof MimeNodeClass> | undefined;

export const loadNodemailer = (): Promise<(typeof import('nodemailer'))['default']> => (nodemailer ??= import('nodemailer').then((m) => m.default));
export const loadMimeNode = (): Promise<typeof MimeNodeClass> => (mimeNode ??= import('nodemailer/lib/mime-node').then((m) => m.default));
