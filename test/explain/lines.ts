/**
 * Bounce lines as MTAs really write them, to explain. Formats: Postfix 3.7's maillog as measured
 * in /work/shared/research/postfix-as-sender.md (multi-line replies joined with spaces, the
 * enhanced code repeated on each joined line, `(in reply to … command)`, `refused to talk to me`
 * at the greeting); Exim 4's mainlog `**` lines (a reply's line breaks written as `\n`) and the
 * indented continuation lines of its bounce text; RFC 3464 DSN fields, folded. The replies inside
 * are the providers' wire texts (Gmail's `- gsmtp` token, Exchange Online's bracketed server).
 */
export interface Line {
  readonly name: string;
  readonly text: string;
  /** The entry that must rank first. */
  readonly first: string;
  readonly format: 'postfix' | 'exim' | 'dsn' | 'reply' | 'text';
  readonly code: number;
  readonly enhanced: string | null;
  readonly command?: string;
  readonly retry: 'retry-later' | 'reconnect-later' | 'do-not-retry';
  readonly provider?: string;
}

const PF = 'Dec  3 21:41:36 mail postfix/smtp[30006]: 6729720C1BB:';

export const LINES: readonly Line[] = [
  {
    name: 'Postfix bounced at RCPT by Gmail: DMARC, three joined lines (the research capture)',
    text: `${PF} to=<hank@example.net>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=0.01, delays=0/0/0/0.01, dsn=5.7.26, status=bounced (host gmail-smtp-in.l.google.com[142.250.102.27] said: 550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's 550-5.7.26 DMARC policy. Please contact the administrator of example.com domain if 550 5.7.26 this was a legitimate mail. - gsmtp (in reply to RCPT TO command))`,
    first: 'gmail.dmarc-policy',
    format: 'postfix',
    code: 550,
    enhanced: '5.7.26',
    command: 'RCPT TO',
    retry: 'do-not-retry',
    provider: 'gmail',
  },
  {
    name: 'Postfix bounced at RCPT by Gmail: no such user, with Gmail’s session token',
    text: `${PF} to=<nobody@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=0.6, delays=0.01/0.01/0.3/0.28, dsn=5.1.1, status=bounced (host gmail-smtp-in.l.google.com[142.250.102.27] said: 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or unnecessary 550-5.1.1 spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 41be03b00d2f7-7b1a2b3c4d5si123456a12.345 - gsmtp (in reply to RCPT TO command))`,
    first: 'gmail.user-unknown',
    format: 'postfix',
    code: 550,
    enhanced: '5.1.1',
    command: 'RCPT TO',
    retry: 'do-not-retry',
    provider: 'gmail',
  },
  {
    name: 'Postfix deferred at RCPT by Gmail: receiving rate',
    text: `${PF} to=<busy@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=1.1, delays=0.01/0/0.5/0.6, dsn=4.2.1, status=deferred (host gmail-smtp-in.l.google.com[142.250.102.27] said: 450-4.2.1 The user you are trying to contact is receiving mail at a rate that 450-4.2.1 prevents additional messages from being delivered. Please resend your 450-4.2.1 message at a later time. If the user is able to receive mail at that 450-4.2.1 time, your message will be delivered. For more information, go to 450 4.2.1  https://support.google.com/mail/?p=ReceivingRate d9443c01a7336-21c2b1c1a1fsi12345 - gsmtp (in reply to RCPT TO command))`,
    first: 'gmail.rate-limited-recipient',
    format: 'postfix',
    code: 450,
    enhanced: '4.2.1',
    command: 'RCPT TO',
    retry: 'retry-later',
    provider: 'gmail',
  },
  {
    name: 'Postfix deferred at the greeting: refused to talk to me, 421',
    text: `${PF} to=<bob@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=0.2, delays=0.01/0/0.2/0, dsn=4.7.0, status=deferred (host gmail-smtp-in.l.google.com[142.250.102.27] refused to talk to me: 421-4.7.0 Try again later, closing connection. (EHLO) For more information, go to 421 4.7.0  https://support.google.com/a/answer/3221692 a1-20020a170902b50100b001d8f1a2b3c4si123 - gsmtp)`,
    first: 'gmail.try-again-later',
    format: 'postfix',
    code: 421,
    enhanced: '4.7.0',
    retry: 'reconnect-later',
    provider: 'gmail',
  },
  {
    name: 'Postfix bounced at RCPT by Exchange Online: Directory-Based Edge Blocking',
    text: `${PF} to=<nobody@contoso.com>, relay=contoso-com.mail.protection.outlook.com[52.101.40.12]:25, delay=0.9, delays=0.01/0/0.4/0.5, dsn=5.4.1, status=bounced (host contoso-com.mail.protection.outlook.com[52.101.40.12] said: 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT061.eop-nam12.prod.protection.outlook.com 2024-05-14T09:30:00.123Z 08DC7A1B2C3D4E5F] (in reply to RCPT TO command))`,
    first: 'microsoft365.5.4.1-recipient-rejected',
    format: 'postfix',
    code: 550,
    enhanced: '5.4.1',
    command: 'RCPT TO',
    retry: 'do-not-retry',
    provider: 'microsoft365',
  },
  {
    name: 'Postfix bounced after the final dot by GoDaddy: spam, IB212',
    text: `${PF} to=<jane@coolexample.com>, relay=smtp.secureserver.net[68.178.213.203]:25, delay=2.3, delays=0.01/0/0.8/1.5, dsn=5.2.0, status=bounced (host smtp.secureserver.net[68.178.213.203] said: 552 5.2.0 This message has been rejected due to content judged to be spam by the internet community IB212 (in reply to end of DATA command))`,
    first: 'godaddy.ib212-spam',
    format: 'postfix',
    code: 552,
    enhanced: '5.2.0',
    command: 'end of DATA',
    retry: 'do-not-retry',
    provider: 'godaddy',
  },
  {
    name: 'Exim mainlog: Gmail no such user, line breaks written as \\n',
    text: String.raw`2024-05-14 09:30:00 1sABCD-000123-AB ** nobody@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [142.250.102.27] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes DN="CN=mx.google.com": SMTP error from remote mail server after RCPT TO:<nobody@gmail.com>: 550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or unnecessary\n550-5.1.1 spaces. For more information, go to\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 5b1f17b1804b1-43cd0c1b2c3si1234567f8.12 - gsmtp`,
    first: 'gmail.user-unknown',
    format: 'exim',
    code: 550,
    enhanced: '5.1.1',
    command: 'RCPT TO',
    retry: 'do-not-retry',
    provider: 'gmail',
  },
  {
    name: 'Exim bounce text: a deferral after MAIL FROM with SIZE=, continuation lines indented',
    text: [
      '  busy@gmail.com',
      '    host gmail-smtp-in.l.google.com [142.250.102.27]',
      '    SMTP error from remote mail server after pipelined MAIL FROM:<app@example.com> SIZE=1834:',
      '    450-4.2.1 The user you are trying to contact is receiving mail at a rate that',
      '    450-4.2.1 prevents additional messages from being delivered. Please resend your',
      '    450-4.2.1 message at a later time. If the user is able to receive mail at that',
      '    450-4.2.1 time, your message will be delivered. For more information, go to',
      '    450 4.2.1  https://support.google.com/mail/?p=ReceivingRate 5b1f17b1804b1-43cd - gsmtp',
    ].join('\n'),
    first: 'gmail.rate-limited-recipient',
    format: 'exim',
    code: 450,
    enhanced: '4.2.1',
    command: 'MAIL FROM',
    retry: 'retry-later',
    provider: 'gmail',
  },
  {
    name: 'A DSN’s delivery-status part: Exchange Online refuses the sending IP, Diagnostic-Code folded',
    text: [
      'Reporting-MTA: dns; mail.example.com',
      'X-Postfix-Queue-ID: 26B192182EC',
      '',
      'Final-Recipient: rfc822; adele@contoso.com',
      'Action: failed',
      'Status: 5.7.708',
      'Remote-MTA: dns; contoso-com.mail.protection.outlook.com',
      'Diagnostic-Code: smtp; 550 5.7.708 Service unavailable. Access denied, traffic',
      '    not accepted from this IP. For more information please go to',
      '    http://go.microsoft.com/fwlink/?LinkId=526653 AS(843)',
      '    [AM4PEPF00027A5F.eurprd04.prod.outlook.com 2024-05-14T09:30:00.000Z]',
    ].join('\n'),
    first: 'microsoft365.5.7.708-ip-blocked',
    format: 'dsn',
    code: 550,
    enhanced: '5.7.708',
    retry: 'do-not-retry',
    provider: 'microsoft365',
  },
  // ---- published captures of the new providers (each entry's sources cite them)
  {
    name: 'Exim mainlog capture (pastebin.com/myPzc1kw): Yahoo, account disabled, after end of data',
    text: '2015-08-15 12:52:09 1ZQUEM-0002gt-Qv ** mailynelias@yahoo.com F=<qc_cmr@chiangmairam.com> R=lookuphost T=remote_smtp: SMTP error from remote mail server after end of data: host mta7.am0.yahoodns.net [98.136.216.25]: 554 delivery error: dd Sorry your message to mailynelias@yahoo.com cannot be delivered. This account has been disabled or discontinued [#102]. - mta1196.mail.gq1.yahoo.com',
    first: 'yahoo.account-disabled',
    format: 'exim',
    code: 554,
    enhanced: null,
    command: 'end of data',
    retry: 'do-not-retry',
    provider: 'yahoo',
  },
  {
    name: 'Postfix DSN capture (pastebin.com/qzhDuz6L): Yahoo, no such user, Diagnostic-Code folded',
    text: [
      'Final-Recipient: rfc822; jcorao73@yahoo.com',
      'Original-Recipient: rfc822;jcorao73@yahoo.com',
      'Action: failed',
      'Status: 5.0.0',
      'Remote-MTA: dns; mta7.am0.yahoodns.net',
      "Diagnostic-Code: smtp; 554 delivery error: dd This user doesn't have a",
      '    yahoo.com account (jcorao73@yahoo.com) [-9] - mta4083.mail.ne1.yahoo.com',
    ].join('\n'),
    first: 'yahoo.user-unknown',
    format: 'dsn',
    code: 554,
    enhanced: '5.0.0',
    retry: 'do-not-retry',
    provider: 'yahoo',
  },
  {
    name: 'Postfix bounce capture (sevencreative.co.uk): Outlook.com block list S3150, in reply to MAIL FROM',
    text: "<bob@hotmail.com>: host eur.olc.protection.outlook.com[104.47.1.33] said: 550 5.7.1 Unfortunately, messages from [192.0.2.44] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [DB3EUR04FT007.eop-eur04.prod.protection.outlook.com] (in reply to MAIL FROM command)",
    first: 'outlook.s3150-block-list',
    format: 'postfix',
    code: 550,
    enhanced: '5.7.1',
    command: 'MAIL FROM',
    retry: 'do-not-retry',
    provider: 'outlook',
  },
  {
    name: 'Exim log capture (a Ruby project’s test data): Mimecast greylisting, deferred after RCPT TO',
    text: '2016-06-03 11:03:18 [13879] 1b8lwj-0003bo-6W == authority@example.com R=dnslookup T=remote_smtp defer (-44): SMTP error from remote mail server after RCPT TO:<authority@example.com>: host eu-smtp-inbound-1.mimecast.com [195.130.217.211]: 451 Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451',
    first: 'mimecast.greylisted',
    format: 'exim',
    code: 451,
    enhanced: null,
    command: 'RCPT TO',
    retry: 'retry-later',
    provider: 'mimecast',
  },
  {
    name: 'ZoneMTA log capture (zone-eu/zone-mta#301): iCloud greets a Proofpoint-blocked client with 554 5.7.0',
    text: 'Feb 11 08:39:37 zmta1 zone-mta: info Sender/default/827[14] 17ee78226740009630.001 SMTPCLOSE [zLjoL7dmg] Closed prematurely src=1.1.1.1 response="554 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=1.1.1.1" connected=0.317s.',
    first: 'icloud.proofpoint-blocked',
    format: 'text',
    code: 554,
    enhanced: '5.7.0',
    retry: 'do-not-retry',
    provider: 'proofpoint',
  },
  {
    name: 'A raw multi-line reply as a client printed it',
    text: "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\r\n550-5.7.26 DMARC policy. Please contact the administrator of example.com domain if\r\n550 5.7.26 this was a legitimate mail. - gsmtp\r\n",
    first: 'gmail.dmarc-policy',
    format: 'reply',
    code: 550,
    enhanced: '5.7.26',
    retry: 'do-not-retry',
    provider: 'gmail',
  },
];
