/** Whether an AUTH attempt's credentials match a scenario user, for each mechanism smtp-server offers. */
import type { SMTPServerAuthentication } from 'smtp-server';
import type { AuthUser } from '../engine/scenario.js';

export function credentialsMatch(user: AuthUser, auth: SMTPServerAuthentication): boolean {
  if (user.user !== auth.username) return false;
  switch (auth.method) {
    case 'XOAUTH2':
      return user.token !== undefined && user.token === auth.accessToken;
    case 'CRAM-MD5':
      return user.password !== undefined && !!auth.validatePassword?.(user.password);
    default:
      return user.password !== undefined && user.password === auth.password;
  }
}
