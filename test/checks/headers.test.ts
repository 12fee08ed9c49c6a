/**
 * analyzeHeaders, table-driven over hand-made raw messages: the defects here are ones nodemailer
 * would never produce. Each fact has cases where it fires and cases where it must not.
 */
import { describe, expect, it } from 'vitest';
import { analyzeHeaders, type HeaderAnalysis } from '../../src/checks/index.js';
import { headerSectionEnd, parseHeaderSection } from '../../src/checks/header-section.js';
import { BASE_HEADERS, headersWith, input, prng, raw } from './helpers.js';

type Expect = { [K in keyof HeaderAnalysis]?: unknown };

interface Case {
  readonly name: string;
  readonly message: Buffer;
  readonly rcptTo?: readonly string[];
  readonly smtpUtf8?: boolean;
  readonly expect: Expect;
}

const run = (c: Case) => analyzeHeaders(input(c.message, { rcptTo: c.rcptTo, smtpUtf8: c.smtpUtf8 }));
const table = (cases: readonly Case[]) =>
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(run(c)).toMatchObject(c.expect);
  });

const CLEAN: Expect = {
  malformed: false,
  malformedHeaders: [],
  duplicateHeaders: [],
  encodedWordHeaderNames: [],
  unicodeInHeaders: [],
};

describe('a well-formed message', () => {
  const message = raw(BASE_HEADERS, ['Hello Bob,', '', 'see attached.']);
  const headerBytes = BASE_HEADERS.reduce((n, h) => n + Buffer.byteLength(h) + 2, 0) + 2;

  it('has every fact clean and exact', () => {
    const a = analyzeHeaders(input(message));
    expect(a).toMatchObject(CLEAN);
    expect(a).toMatchObject({
      size: message.length,
      headerBytes,
      headerCount: 5,
      subject: 'Quarterly report',
      subjectBytes: 'Quarterly report'.length,
      longestHeaderName: { name: 'message-id', bytes: 10 },
      longestHeaderValue: { name: 'message-id', bytes: '<20240514093000.1234@mail.example.com>'.length },
      from: { count: 1, addresses: ['ann@example.com'], empty: false, ipLiteral: false, invalidDomain: false },
      messageId: { present: true, valid: true },
      receivedCount: 0,
      deliveredToLoop: false,
    });
    expect([...a.headers.keys()]).toEqual(['from', 'to', 'subject', 'date', 'message-id']);
    expect(a.headers.get('from')).toEqual(['Ann Example <ann@example.com>']);
  });

  it('reads the same with bare LF line endings, except for the byte count', () => {
    const lf = Buffer.from(message.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const a = analyzeHeaders(input(lf));
    const b = analyzeHeaders(input(message));
    expect({ ...a, size: 0, headerBytes: 0 }).toEqual({ ...b, size: 0, headerBytes: 0 });
    expect(a.headerBytes).toBe(headerBytes - BASE_HEADERS.length - 1);
  });
});

describe('sizes', () => {
  const longName = 'X-' + 'N'.repeat(200);
  table([
    {
      name: 'headerBytes counts up to and including the blank line',
      message: Buffer.from('Subject: a\r\n\r\nbody\r\n'),
      expect: { headerBytes: 14, size: 20, headerCount: 1 },
    },
    {
      name: 'headerBytes is every byte when there is no blank line (headers only)',
      message: Buffer.from('From: a@example.com\r\nSubject: x\r\n'),
      expect: { headerBytes: 33, size: 33, malformed: false, headerCount: 2 },
    },
    {
      name: 'longest header name: a 202-byte name',
      message: raw(headersWith([`${longName}: v`])),
      expect: { longestHeaderName: { name: longName.toLowerCase(), bytes: 202 } },
    },
    {
      name: 'longest header value: folded, counted without the folding line breaks',
      message: raw(headersWith([`X-Long: ${'a'.repeat(70)}`, `\t${'b'.repeat(70)}`, ` ${'c'.repeat(70)}`])),
      // 210 letters + the tab and the space that start the continuation lines
      expect: { longestHeaderValue: { name: 'x-long', bytes: 212 } },
    },
    {
      name: 'longest header value counts bytes, not characters',
      message: raw(headersWith(['X-Utf8: ' + 'é'.repeat(100)])),
      smtpUtf8: true,
      expect: { longestHeaderValue: { name: 'x-utf8', bytes: 200 } },
    },
    {
      name: 'subject bytes: folded subject, raw (encoded) bytes',
      message: raw(headersWith(['Subject: =?UTF-8?Q?caf=C3=A9?=', ' =?UTF-8?Q?_au_lait?='], ['subject'])),
      expect: { subjectBytes: '=?UTF-8?Q?caf=C3=A9?= =?UTF-8?Q?_au_lait?='.length, subject: 'café au lait' },
    },
    {
      name: 'subject bytes add up over repeated Subject fields',
      message: raw(headersWith(['Subject: abc', 'Subject: defgh'], ['subject'])),
      expect: { subjectBytes: 8, subject: 'abc', duplicateHeaders: ['subject'] },
    },
    {
      name: 'no subject: empty subject, zero bytes',
      message: raw(headersWith([], ['subject'])),
      expect: { subject: '', subjectBytes: 0 },
    },
    {
      name: 'header count includes repeated fields',
      message: raw(headersWith(['Received: from a', 'Received: from b', 'X-A: 1'])),
      expect: { headerCount: 8, receivedCount: 2 },
    },
  ]);
});

describe('folding and the headers map', () => {
  it('unfolds by removing the line breaks, keeps values in order, lower-cases names', () => {
    const a = analyzeHeaders(
      input(
        raw([
          'From: a@example.com',
          'X-Multi: one',
          'x-multi:   two  ',
          'X-Folded: first',
          '\tsecond',
          '   third',
          'Subject:',
          ' folded from the start',
        ]),
      ),
    );
    expect(a.headers.get('x-multi')).toEqual(['one', 'two']);
    expect(a.headers.get('x-folded')).toEqual(['first\tsecond   third']);
    expect(a.headers.get('subject')).toEqual(['folded from the start']);
    expect(a.subject).toBe('folded from the start');
    expect(a.malformedHeaders).toEqual([]);
  });

  it('keeps the raw encoded-word in the map and decodes only `subject`', () => {
    const a = analyzeHeaders(input(raw(headersWith(['Subject: =?ISO-8859-1?Q?Gr=FC=DFe?='], ['subject']))));
    expect(a.headers.get('subject')).toEqual(['=?ISO-8859-1?Q?Gr=FC=DFe?=']);
    expect(a.subject).toBe('Grüße');
  });

  it('accepts white space before the colon (obsolete syntax) under the trimmed name', () => {
    const a = analyzeHeaders(input(raw(headersWith(['X-Old : yes']))));
    expect(a.headers.get('x-old')).toEqual(['yes']);
    expect(a.malformedHeaders).toEqual([]);
  });
});

describe('From', () => {
  const from = (value: string | null, extra: string[] = []) =>
    raw(headersWith(value === null ? extra : [`From: ${value}`, ...extra], ['from']));
  table([
    { name: 'missing', message: from(null), expect: { from: { count: 0, addresses: [], empty: false } } },
    {
      name: 'two From fields',
      message: from('a@example.com', ['From: b@example.com']),
      expect: { from: { count: 2, addresses: ['a@example.com'] }, duplicateHeaders: ['from'] },
    },
    {
      name: 'one field, two addresses',
      message: from('Ann <a@example.com>, "Bob, Jr." <b@example.com>'),
      expect: { from: { count: 1, addresses: ['a@example.com', 'b@example.com'] }, malformedHeaders: [] },
    },
    { name: 'bare addr-spec with a comment', message: from('a@example.com (Ann)'), expect: { from: { addresses: ['a@example.com'] } } },
    { name: 'dots in the display name (obsolete phrase)', message: from('John Q. Public <jqp@example.com>'), expect: { from: { addresses: ['jqp@example.com'] }, malformedHeaders: [] } },
    { name: 'quoted local part', message: from('"john doe"@example.com'), expect: { from: { addresses: ['"john doe"@example.com'] }, malformedHeaders: [] } },
    { name: 'encoded-word display name', message: from('=?UTF-8?B?w4Rubg==?= <ann@example.com>'), expect: { from: { addresses: ['ann@example.com'] }, malformedHeaders: [] } },
    { name: 'empty value', message: from(''), expect: { from: { count: 1, empty: true, addresses: [] }, malformedHeaders: ['from'] } },
    { name: 'only a comment', message: from('(nobody)'), expect: { from: { empty: true } } },
    { name: 'the null address <>', message: from('<>'), expect: { from: { empty: true, addresses: [] }, malformedHeaders: ['from'] } },
    { name: 'an empty group', message: from('undisclosed-senders:;'), expect: { from: { empty: true, addresses: [] } } },
    { name: 'a name without address is not empty, but holds no address', message: from('Ann Example'), expect: { from: { empty: false, addresses: [] }, malformedHeaders: ['from'] } },
    { name: 'IPv4 literal', message: from('a@[192.0.2.1]'), expect: { from: { ipLiteral: true, invalidDomain: false } } },
    { name: 'bare IPv4 domain', message: from('Ann <a@192.0.2.1>'), expect: { from: { ipLiteral: true, invalidDomain: false } } },
    { name: 'IPv6 literal', message: from('a@[IPv6:2001:db8::1]'), expect: { from: { ipLiteral: true, invalidDomain: false } } },
    { name: 'host name is not an IP literal', message: from('a@mail.example.com'), expect: { from: { ipLiteral: false, invalidDomain: false } } },
    { name: 'out-of-range IPv4 literal is invalid, not an IP', message: from('a@[300.1.1.1]'), expect: { from: { ipLiteral: false, invalidDomain: true } } },
    { name: 'single-label domain', message: from('a@localhost'), expect: { from: { invalidDomain: true } } },
    { name: 'underscore in the domain', message: from('a@exa_mple.com'), expect: { from: { invalidDomain: true }, malformedHeaders: [] } },
    { name: 'label starting with a hyphen', message: from('a@-mail.example.com'), expect: { from: { invalidDomain: true } } },
    { name: 'numeric top-level label', message: from('a@example.123'), expect: { from: { invalidDomain: true } } },
    { name: 'empty label: a syntax error, domain still judged', message: from('Ann <a@bad..com>'), expect: { from: { invalidDomain: true, addresses: ['a@bad..com'] }, malformedHeaders: ['from'] } },
    { name: 'label longer than 63', message: from(`a@${'x'.repeat(64)}.com`), expect: { from: { invalidDomain: true } } },
    { name: 'punycode domain is valid', message: from('a@xn--bcher-kva.example'), expect: { from: { invalidDomain: false } } },
    { name: 'UTF-8 domain under SMTPUTF8 is valid', message: from('a@bücher.example'), smtpUtf8: true, expect: { from: { invalidDomain: false }, unicodeInHeaders: [] } },
    { name: 'one bad domain among good ones', message: from('a@example.com, b@localhost'), expect: { from: { invalidDomain: true, addresses: ['a@example.com', 'b@localhost'] } } },
  ]);
});

describe('Message-ID', () => {
  const mid = (value: string | null) => raw(headersWith(value === null ? [] : [`Message-ID: ${value}`], ['message-id']));
  table([
    { name: 'missing', message: mid(null), expect: { messageId: { present: false, valid: false } } },
    { name: 'valid', message: mid('<abc.123@host.example>'), expect: { messageId: { present: true, valid: true }, malformedHeaders: [] } },
    { name: 'valid with a comment and spaces', message: mid('  <abc@host> (generated)'), expect: { messageId: { present: true, valid: true } } },
    { name: 'quoted id-left, literal id-right', message: mid('<"a b"@[192.0.2.1]>'), expect: { messageId: { valid: true } } },
    { name: 'empty', message: mid(''), expect: { messageId: { present: true, valid: false }, malformedHeaders: ['message-id'] } },
    { name: 'no angle brackets', message: mid('abc@host.example'), expect: { messageId: { present: true, valid: false } } },
    { name: 'no @', message: mid('<abc.host.example>'), expect: { messageId: { valid: false } } },
    { name: 'two ids', message: mid('<a@b> <c@d>'), expect: { messageId: { valid: false } } },
    { name: 'space inside', message: mid('<a b@host>'), expect: { messageId: { valid: false } } },
    { name: 'double dot', message: mid('<a..b@host>'), expect: { messageId: { valid: false } } },
  ]);

  it('judges the first Message-ID and reports the duplicate', () => {
    const a = analyzeHeaders(input(raw(headersWith(['Message-ID: <a@b>', 'Message-ID: junk'], ['message-id']))));
    expect(a.messageId).toEqual({ present: true, valid: true });
    expect(a.duplicateHeaders).toEqual(['message-id']);
    expect(a.malformedHeaders).toEqual(['message-id']);
  });
});

describe('duplicate headers', () => {
  table([
    { name: 'none', message: raw(BASE_HEADERS), expect: { duplicateHeaders: [] } },
    { name: 'two Subject and two Cc, reported in RFC order', message: raw(headersWith(['Subject: again', 'Cc: c@example.com', 'Cc: d@example.com'])), expect: { duplicateHeaders: ['cc', 'subject'] } },
    { name: 'case-insensitive names', message: raw(headersWith(['DATE: Tue, 14 May 2024 09:31:00 +0000'])), expect: { duplicateHeaders: ['date'] } },
    { name: 'repeatable fields are not duplicates', message: raw(headersWith(['Received: a', 'Received: b', 'X-Tag: 1', 'X-Tag: 2', 'Comments: x', 'Comments: y'])), expect: { duplicateHeaders: [] } },
    { name: 'Reply-To, Sender, Bcc, In-Reply-To, References', message: raw(headersWith(['Reply-To: a@example.com', 'Reply-To: b@example.com', 'Sender: a@example.com', 'Sender: a@example.com', 'Bcc:', 'Bcc:', 'In-Reply-To: <a@b>', 'In-Reply-To: <a@b>', 'References: <a@b>', 'References: <a@b>'])), expect: { duplicateHeaders: ['sender', 'reply-to', 'bcc', 'in-reply-to', 'references'] } },
  ]);
});

describe('malformed headers', () => {
  table([
    { name: 'a line without a colon', message: raw(headersWith(['This line has no colon'])), expect: { malformedHeaders: ['This line has no colon'], malformed: false } },
    { name: 'a long line without a colon is quoted by its start', message: raw(headersWith(['x'.repeat(500)])), expect: { malformedHeaders: ['x'.repeat(40)] } },
    { name: 'a space inside the field name', message: raw(headersWith(['Bad Name: value'])), expect: { malformedHeaders: ['bad name'] } },
    { name: 'an empty field name', message: raw(headersWith([': value'])), expect: { malformedHeaders: [':'] } },
    { name: '8-bit bytes in the field name', message: raw(headersWith(['X-Nämé: value'])), expect: { malformedHeaders: ['x-n?m?'] } },
    { name: 'a control character in a value', message: raw(headersWith(['X-Ctl: a\x01b'])), expect: { malformedHeaders: ['x-ctl'] } },
    { name: 'a bare CR inside a value', message: raw(headersWith(['X-Cr: a\rb'])), expect: { malformedHeaders: ['x-cr'] } },
    { name: 'a Date that is not a date', message: raw(headersWith(['Date: yesterday'], ['date'])), expect: { malformedHeaders: ['date'] } },
    { name: 'a Date with an impossible hour', message: raw(headersWith(['Date: Tue, 14 May 2024 25:30:00 +0000'], ['date'])), expect: { malformedHeaders: ['date'] } },
    { name: 'an ISO 8601 Date', message: raw(headersWith(['Date: 2024-05-14T09:30:00Z'], ['date'])), expect: { malformedHeaders: ['date'] } },
    { name: 'From with an unclosed angle bracket', message: raw(headersWith(['From: Ann <ann@example.com'], ['from'])), expect: { malformedHeaders: ['from'] } },
    { name: 'From with an unclosed quote', message: raw(headersWith(['From: "Ann <ann@example.com>'], ['from'])), expect: { malformedHeaders: ['from'] } },
    { name: 'To without @', message: raw(headersWith(['To: bob'], ['to'])), expect: { malformedHeaders: ['to'] } },
    { name: 'empty To', message: raw(headersWith(['To:'], ['to'])), expect: { malformedHeaders: ['to'] } },
    { name: 'Cc with a stray bracket', message: raw(headersWith(['Cc: a@example.com]'])), expect: { malformedHeaders: ['cc'] } },
    { name: 'Reply-To with two @', message: raw(headersWith(['Reply-To: a@b@example.com'])), expect: { malformedHeaders: ['reply-to'] } },
    { name: 'Sender with an unclosed comment', message: raw(headersWith(['Sender: a@example.com (oops'])), expect: { malformedHeaders: ['sender'] } },
    { name: 'References with a bare word', message: raw(headersWith(['References: <a@b> notanid'])), expect: { malformedHeaders: ['references'] } },
    { name: 'In-Reply-To without brackets', message: raw(headersWith(['In-Reply-To: a@b'])), expect: { malformedHeaders: ['in-reply-to'] } },
    { name: 'several defects, each once, in order', message: raw(headersWith(['no colon', 'Date: never', 'no colon', 'Date: never'], ['date'])), expect: { malformedHeaders: ['no colon', 'date'] } },
    // negatives: valid forms of every checked field
    { name: 'empty Bcc is allowed', message: raw(headersWith(['Bcc:'])), expect: { malformedHeaders: [] } },
    { name: 'To group', message: raw(headersWith(['To: undisclosed-recipients:;'], ['to'])), expect: { malformedHeaders: [] } },
    { name: 'To group with members', message: raw(headersWith(['To: Team: a@example.com, b@example.com;'], ['to'])), expect: { malformedHeaders: [] } },
    { name: 'obsolete empty list elements', message: raw(headersWith(['To: a@example.com,, b@example.com,'], ['to'])), expect: { malformedHeaders: [] } },
    { name: 'obsolete source route', message: raw(headersWith(['To: <@relay.example:bob@example.org>'], ['to'])), expect: { malformedHeaders: [] } },
    { name: 'Date without weekday or seconds, named zone; Resent-Date is not checked', message: raw(headersWith(['Date: 14 May 2024 09:30 GMT', 'Resent-Date: x'], ['date'])), expect: { malformedHeaders: [] } },
    { name: 'Date with a trailing zone comment', message: raw(headersWith(['Date: Tue, 14 May 2024 09:30:00 +0000 (UTC)'], ['date'])), expect: { malformedHeaders: [] } },
    { name: 'Date with a two-digit year and zone letter', message: raw(headersWith(['Date: Tue, 4 Jun 96 9:30:00 Z'], ['date'])), expect: { malformedHeaders: [] } },
    { name: 'References, comma separated (common), and In-Reply-To', message: raw(headersWith(['References: <a@b>, <c@d>\t<e@f>', 'In-Reply-To: <e@f>'])), expect: { malformedHeaders: [] } },
    { name: 'tab in a value is white space, not a control', message: raw(headersWith(['X-Tab: a\tb'])), expect: { malformedHeaders: [] } },
  ]);
});

describe('encoded-words in header names', () => {
  table([
    { name: 'Q-encoded name', message: raw(headersWith(['=?UTF-8?Q?Subject?=: hi'])), expect: { encodedWordHeaderNames: ['=?UTF-8?Q?Subject?='], malformedHeaders: [] } },
    { name: 'B-encoded, inside a longer name', message: raw(headersWith(['X-=?utf-8?b?Zm9v?=-Bar: hi'])), expect: { encodedWordHeaderNames: ['X-=?utf-8?b?Zm9v?=-Bar'] } },
    { name: 'encoded-word in a value only', message: raw(headersWith(['Subject: =?UTF-8?Q?hi?='], ['subject'])), expect: { encodedWordHeaderNames: [] } },
    { name: 'incomplete encoded-word syntax in a name', message: raw(headersWith(['X-=?utf-8?Q-Name: hi'])), expect: { encodedWordHeaderNames: [] } },
  ]);
});

describe('unicode in headers', () => {
  const utf8Subject = raw(headersWith(['Subject: Grüße aus Köln'], ['subject']));
  const latin1Subject = Buffer.concat([Buffer.from(BASE_HEADERS.slice(0, 2).join('\r\n') + '\r\nSubject: Gr'), Buffer.from([0xfc]), Buffer.from('n\r\n\r\nbody\r\n')]);
  table([
    { name: 'raw UTF-8 Subject without SMTPUTF8', message: utf8Subject, expect: { unicodeInHeaders: ['subject'], subject: 'Grüße aus Köln' } },
    { name: 'raw UTF-8 Subject with SMTPUTF8', message: utf8Subject, smtpUtf8: true, expect: { unicodeInHeaders: [] } },
    { name: 'raw Latin-1 byte without SMTPUTF8', message: latin1Subject, expect: { unicodeInHeaders: ['subject'] } },
    { name: 'raw Latin-1 byte (not UTF-8) even with SMTPUTF8', message: latin1Subject, smtpUtf8: true, expect: { unicodeInHeaders: ['subject'] } },
    { name: 'UTF-8 in From and To, reported once each', message: raw(headersWith(['From: Jürgen <j@example.com>', 'To: Zoë <z@example.com>', 'X-Note: ok'], ['from', 'to'])), expect: { unicodeInHeaders: ['from', 'to'] } },
    { name: 'encoded-words are ASCII', message: raw(headersWith(['Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?='], ['subject'])), expect: { unicodeInHeaders: [], subject: 'Grüße' } },
  ]);
});

describe('Received hops and Delivered-To loops', () => {
  const received = (n: number) => Array.from({ length: n }, (_, i) => `Received: from hop${i}.example by hop${i + 1}.example; Tue, 14 May 2024 09:30:00 +0000`);
  table([
    { name: '51 Received fields', message: raw(headersWith(received(51))), expect: { receivedCount: 51 } },
    { name: '50 Received fields', message: raw(headersWith(received(50))), expect: { receivedCount: 50 } },
    { name: 'folded Received fields count once each', message: raw(headersWith(['Received: from a', '\tby b; Tue, 14 May 2024 09:30:00 +0000', 'Received: from c'])), expect: { receivedCount: 2 } },
    { name: 'Delivered-To equals a recipient', message: raw(headersWith(['Delivered-To: bob@example.org'])), expect: { deliveredToLoop: true } },
    { name: 'Delivered-To matches case-insensitively, brackets aside', message: raw(headersWith(['Delivered-To: <BOB@Example.ORG>'])), rcptTo: ['carol@example.net', 'bob@example.org'], expect: { deliveredToLoop: true } },
    { name: 'Delivered-To of someone else', message: raw(headersWith(['Delivered-To: carol@example.org'])), expect: { deliveredToLoop: false } },
    { name: 'no Delivered-To', message: raw(BASE_HEADERS), expect: { deliveredToLoop: false } },
  ]);
});

describe('malformed message', () => {
  table([
    { name: 'empty input', message: Buffer.alloc(0), expect: { malformed: true, headerCount: 0, headerBytes: 0 } },
    { name: 'a blank line at the very start (no headers)', message: Buffer.from('\r\nFrom: a@example.com\r\n\r\nbody\r\n'), expect: { malformed: true, headerCount: 0, headerBytes: 2 } },
    { name: 'a continuation line first', message: Buffer.from(' folded: nothing\r\nFrom: a@example.com\r\n\r\nbody\r\n'), expect: { malformed: true } },
    { name: 'a NUL byte in the header section', message: Buffer.from('From: a@example.com\r\nSubject: a\x00b\r\n\r\nbody\r\n'), expect: { malformed: true, malformedHeaders: ['subject'] } },
    { name: 'no field at all', message: Buffer.from('Hello Bob,\r\nhow are you?\r\n\r\nbye\r\n'), expect: { malformed: true, headerCount: 0 } },
    { name: 'body glued to the headers without a blank line', message: Buffer.from('From: a@example.com\r\nSubject: x\r\nHello Bob, how are you\r\n'), expect: { malformed: true } },
    { name: 'only field names with invalid characters', message: Buffer.from('Bad Name: x\r\n\r\nbody\r\n'), expect: { malformed: true, headerCount: 1 } },
    // negatives
    { name: 'headers only, no body, no blank line', message: Buffer.from('From: a@example.com\r\nSubject: x'), expect: { malformed: false, headerCount: 2 } },
    { name: 'one stray line among fields with a separator', message: raw(headersWith(['stray'])), expect: { malformed: false } },
    { name: 'NUL in the body only', message: raw(BASE_HEADERS, 'bin\x00ary\r\n'), expect: { malformed: false } },
  ]);
});

describe('headerSectionEnd', () => {
  it('agrees with parseHeaderSection on where the body starts, over 3,000 seeded header sections', () => {
    const pieces = ['Subject: x', 'From: a@b.c', ' folded', '\t', 'junk line', '', '\r', 'X: \r y'];
    const breaks = ['\r\n', '\n', '\r\r\n'];
    const random = prng(404);
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let n = Math.floor(random() * 8); n > 0; n--) text += pieces[Math.floor(random() * pieces.length)]! + breaks[Math.floor(random() * breaks.length)]!;
      const raw = Buffer.from(`${text}body\r\n`);
      const section = parseHeaderSection(raw);
      expect(headerSectionEnd(raw), JSON.stringify(text)).toBe(section.separator ? section.bodyStart : -1);
    }
  });
});
