/**
 * Outlook.com, Microsoft's consumer mail (hotmail.com, live.com, outlook.com, msn.com; MXs
 * *.olc.protection.outlook.com), only replies found in public English sources: Microsoft's
 * announcement of its high-volume sender requirements (read through a dated copy) and bounces
 * people published. Business mail at Microsoft (Exchange Online) is the microsoft365 provider.
 *
 * Outlook.com ends a refusal with the front-end server that answered, in brackets; the provider
 * style adds it, so it is not part of `text`.
 */
import type { CatalogEntry, EntrySource } from '../entry.js';
import { capture } from '../sources.js';
import { entryOf } from '../types.js';

const o = entryOf('outlook');
const DATE = '2026-12-04';
const IP_REPUTATION_CAUSE = 'Outlook.com slows mail from the sending IP because of its reputation (complaints, spam traps, sudden volume); the deferral lifts as the reputation recovers.';
const BLOCK_LIST_CAUSE = "The sending IP, or the network it belongs to, is on Outlook.com's own block list, usually for its reputation or sudden volume.";

export const entries: readonly CatalogEntry[] = Object.freeze([
  o({
    id: 'outlook.s3150-block-list',
    code: 550,
    enhanced: '5.7.1',
    text: "Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
    stage: 'mail',
    close: false,
    cause: BLOCK_LIST_CAUSE,
    sources: [
      { url: 'https://sevencreative.co.uk/how-to-remove-yourself-from-the-hotmail-block-list/', date: DATE, verified: 'verbatim-capture', note: 'a Postfix bounce: host eur.olc.protection.outlook.com said: 550 5.7.1 Unfortunately, messages from [**.**.**.**] weren\'t sent. … (S3150). You can also refer your provider to [DB3EUR04FT007.eop-eur04.prod.protection.outlook.com] (in reply to MAIL FROM command)' },
      { url: 'https://dijitul.uk/live-outlook-hotmail-rejects-emails-550-5-7-1-s3150', date: DATE, verified: 'verbatim-capture' },
      { url: 'https://www.knownhost.com/wiki/email/troubleshooting/hotmail-blacklisting-removal-request', date: DATE, verified: 'verbatim-capture' },
      capture('https://github.com/MicrosoftDocs/windows-dev-docs/issues/5744', DATE, [
        "Unfortunately, messages from [82.98.171.203] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [Name=Protocol Filter Agent][AGT=PFA][MxId=11BC54339C3FD8FF] [BN3PEPF0000B077.namprd04.prod.outlook.com 2025-11-25T08:06:40.951Z 08DE2A19D02BF789]",
      ], 'a Postfix bounce of 2025-11-25: host hotmail-com.olc.protection.outlook.com said: 550 5.7.1 … (in reply to MAIL FROM command); lines unwrapped'),
    ],
    note: 'The troubleshooting link is as in the S3140 capture (outlook.s3140-block-list); copies of the S3150 reply that keep it show the same link.',
  }),
  o({
    id: 'outlook.s3140-block-list',
    code: 550,
    enhanced: '5.7.1',
    text: "Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
    stage: 'mail',
    close: false,
    cause: BLOCK_LIST_CAUSE,
    sources: [
      { url: 'https://www.virtbiz.com/client/index.php?rp=%2Fknowledgebase%2F71%2FOutlook-or-Hotmail-or-Microsoft-has-blocked-my-email.html', date: DATE, verified: 'verbatim-capture', note: 'an NDR: "550 5.7.1 Unfortunately, messages from [11.22.33.44] weren\'t sent. … (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [DM6NAM12FT056.eop-nam12.prod.protection.outlook.com]"' },
      capture('https://github.com/CryptoverseCC/ethmail.cc/issues/32', DATE, [
        "Unfortunately, messages from [128.199.34.175] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [VI1EUR06FT053.eop-eur06.prod.protection.outlook.com]",
      ], 'a Postfix bounce of 2022-06-20: host hotmail-com.olc.protection.outlook.com said: 550 5.7.1 … (in reply to MAIL FROM command); lines unwrapped'),
      { url: 'https://github.com/openaustralia/righttoknow/issues/985', date: DATE, verified: 'verbatim-capture', note: 'a 2026 log line, cut after the code and the address redacted by its author: "550 5.7.1 Unfortunately, messages from [RTK PROD IP] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (S3140)"' },
    ],
    note: 'The 2022 bounce shows the reply at MAIL FROM, as mockmx answers it.',
  }),
  o({
    id: 'outlook.mailbox-unavailable',
    code: 550,
    enhanced: '5.5.0',
    text: 'Requested action not taken: mailbox unavailable (S2017062302).',
    stage: 'rcpt',
    close: false,
    cause: 'Outlook.com has no usable mailbox for the recipient: the address does not exist or was closed.',
    sources: [
      { url: 'https://www.spamresource.com/2023/09/microsoft-multiple-types-of-invalid.html', date: DATE, verified: 'verbatim-capture', note: '"550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [HE1EUR01FT020.eop-EUR01.prod.protection.outlook.com 2023-09-19T15:05:34.324Z 08DBB71928CA8F8E]", the usual user-unknown bounce of Outlook.com (OLC)' },
      { url: 'https://www.suped.com/learn/email-deliverability/what-causes-hotmail-550-550-mailbox-unavailable-bounce-errors', date: DATE, verified: 'verbatim-capture', note: 'Diagnostic-Code: smtp; 550 5.5.0 Requested action not taken: mailbox unavailable' },
      { url: 'https://github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/2836', date: DATE, verified: 'verbatim-capture', note: 'a 2021 request to document the NDR code "550 5.5.0", description "Requested action not taken: mailbox unavailable (S2017062302)", seen for *@hotmail.com and *@outlook.com addresses that are not in use' },
    ],
    note: 'Outlook.com now adds a timestamp and an id after the server name inside the brackets; the style writes the server only, as the block-list captures show it.',
  }),
  o({
    id: 'outlook.4.7.650-ip-reputation',
    code: 451,
    enhanced: '4.7.650',
    text: 'The mail server [{ip}] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)',
    stage: 'rcpt',
    close: false,
    cause: IP_REPUTATION_CAUSE,
    sources: [
      capture('https://github.com/ppresume/community/issues/104', DATE, [
        'The mail server [69.72.42.6] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [Name=Protocol Filter Agent][AGT=PFA][MxId=11B9A39F520F25FB] [AMS0EPF000001B0.eurprd05.prod.outlook.com 2024-10-07T11:32:37.217Z 08DCD1CFD0B7A9E3]',
      ], 'a Mailgun delivery log of 2024-10-07, sending to Outlook.com'),
      { url: 'https://github.com/sisimai/p5-sisimai/issues/469', date: DATE, verified: 'verbatim-capture', note: 'a 2022 error message, cut after "reputation", that sisimai classifies as bad reputation: "451 4.7.650 The mail server [52.198.124.32] has been temporarily rate limited due to IP reputation"' },
    ],
    note: 'The captures show the code 451 but not the command; it is modelled at RCPT like the 4.7.651 capture (outlook.4.7.651-ip-reputation). The S-number varies between captures; S775 is the 2024 one.',
  }),
  o({
    id: 'outlook.4.7.651-ip-reputation',
    code: 451,
    enhanced: '4.7.651',
    text: 'The mail server [{ip}] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S844)',
    stage: 'rcpt',
    close: false,
    cause: IP_REPUTATION_CAUSE,
    sources: [
      capture('https://github.com/Mailu/Mailu/issues/3013', DATE, [
        'The mail server [45.133.73.165] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S844) [DM6NAM11FT088.eop-nam11.prod.protection.outlook.com 2023-10-28T12:19:31.847Z 08DBD70830F39917]',
      ], 'a Postfix log of 2023-10-28: host hotmail-com.olc.protection.outlook.com said: 451 4.7.651 … (in reply to RCPT TO command)'),
      { url: 'https://github.com/ActiveCampaign/smtp-field-manual/pull/89', date: DATE, verified: 'verbatim-capture', note: 'added to a field manual of Microsoft replies in 2023, with another S-number: "451 4.7.651 The mail server [x.xx.xx.xx] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S3114) [#.prod.outlook.com #]"' },
    ],
    note: 'Outlook.com adds a timestamp and an id after the server name inside the brackets; the style writes the server only. The S-number varies (S844, S3114).',
  }),
  o({
    id: 'outlook.5.7.515-authentication-level',
    code: 550,
    enhanced: '5.7.515',
    text: 'Access denied, sending domain [{domain}] does not meet the required authentication level.',
    stage: 'message',
    close: false,
    cause: 'A domain sending more than 5,000 messages a day to Outlook.com sent mail that does not pass SPF, DKIM and DMARC (at least p=none, aligned), which Outlook.com requires since May 2025.',
    sources: [
      {
        url: 'https://github.com/azumakuniyuki/feb-2024-no-auth-no-entry/blob/9600291fafc9b1e8470d664c4b18ce1585383b50/microsoft-new-requirements-for-high-volume-senders/text/microsoft-new-requirements-for-high-volume-senders-2025-08-02.txt',
        date: DATE,
        verified: 'verbatim-page',
        note: 'a dated copy of Microsoft\'s "Strengthening Email Ecosystem: Outlook\'s New Requirements for High-Volume Senders" (Microsoft Defender for Office 365 blog): rejected messages are designated as "550; 5.7.515 Access denied, sending domain [SendingDomain] does not meet the required authentication level."',
      },
      { url: 'https://github.com/fm/smtp-codes/pull/7', date: DATE, verified: 'verbatim-capture', note: 'Add Outlook.com 550 5.7.515 SMTP error' },
    ],
    note: 'The announcement writes "550;" with a semicolon; on the wire it is an ordinary reply. The sending domain is the envelope sender\'s here.',
  }),
]);
