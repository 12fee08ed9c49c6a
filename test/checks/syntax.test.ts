/**
 * The small parsers behind the facts, each table-driven: address lists, dates, msg-ids,
 * RFC 2047 decoding, domains, attachment types, HTML to text, and the chunked byte search.
 */
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { parseAddressList } from '../../src/checks/address.js';
import { extensionOf, isBlocked } from '../../src/checks/attachments.js';
import { isValidDate } from '../../src/checks/date.js';
import { domainKind } from '../../src/checks/domain.js';
import { decodeEncodedWords, hasEncodedWord } from '../../src/checks/encoded-words.js';
import { htmlToText } from '../../src/checks/html-text.js';
import { lex, stripComments } from '../../src/checks/lexer.js';
import { parseMsgIds } from '../../src/checks/msg-id.js';
import { EICAR_BYTES, GTUBE_BYTES, StreamScanner } from '../../src/checks/signatures.js';
import { compose } from './helpers.js';

describe('parseAddressList', () => {
  it.each([
    ['a@example.com', true, ['a@example.com'], false],
    ['Ann <a@example.com>', true, ['a@example.com'], false],
    ['"Doe, Ann" <a@example.com>, b@example.com', true, ['a@example.com', 'b@example.com'], false],
    ['a@example.com (comment (nested) here)', true, ['a@example.com'], false],
    ['Team: a@example.com, Ann <b@example.com>;, c@example.com', true, ['a@example.com', 'b@example.com', 'c@example.com'], false],
    ['first.last@sub.example.com', true, ['first.last@sub.example.com'], false],
    ['a@[192.0.2.1]', true, ['a@[192.0.2.1]'], false],
    ['', true, [], true],
    ['(only a comment)', true, [], true],
    ['undisclosed-recipients:;', true, [], true],
    [',,', false, [], true],
    ['<>', false, [], true],
    ['Ann', false, [], false],
    ['a@', false, [], false],
    ['@example.com', false, [], false],
    ['a@example.com.', false, [], false],
    ['.a@example.com', false, [], false],
    ['a@example.com b@example.com', false, ['a@example.com'], false],
    ['Ann <a@example.com', false, [], false],
    ['Group: a@example.com', false, ['a@example.com'], false],
    [': a@example.com;', false, [], false],
    ['a\\b@example.com', false, [], false],
  ] as const)('%j → ok %s, %j, empty %s', (value, ok, addresses, empty) => {
    const r = parseAddressList(value);
    expect(r.ok).toBe(ok);
    expect(r.mailboxes.map((m) => m.address)).toEqual(addresses);
    expect(r.empty).toBe(empty);
  });

  it('lexes comments away and rejects control characters', () => {
    expect(lex('a (x) @ b').tokens.map((t) => t.text)).toEqual(['a', '@', 'b']);
    expect(lex('a\x01b').ok).toBe(false);
    expect(stripComments('a (b (c)) "(kept)" [d(e)]  f')).toBe('a "(kept)" [d(e)] f');
    expect(stripComments('a (open')).toBeNull();
  });
});

describe('isValidDate', () => {
  it.each([
    ['Tue, 14 May 2024 09:30:00 +0000', true],
    ['14 May 2024 09:30:00 -0700', true],
    ['Tue,14 May 2024 09:30 GMT', true],
    ['Tue, 14 May 2024 09:30:00 +0000 (UTC)', true],
    ['Tue, 14 May 2024 09 : 30 : 00 EDT', true],
    ['(c) Tue, 1 Jan 24 00:00:60 Z', true],
    ['Tue, 14 May 2024 09:30:00 UTC', true],
    ['tue, 14 may 2024 09:30:00 +0000', true],
    ['', false],
    ['2024-05-14T09:30:00Z', false],
    ['Tue, 14 May 2024 09:30:00', false],
    ['Tue, 14 Mai 2024 09:30:00 +0000', false],
    ['Tue, 32 May 2024 09:30:00 +0000', false],
    ['Tue, 14 May 2024 24:00:00 +0000', false],
    ['Tue, 14 May 2024 09:60:00 +0000', false],
    ['Tue, 14 May 2024 09:30:00 +0060', false],
    ['Tue, 14 May 2024 09:30:00 J', false],
    ['Tue, 14 May 2024 09:30:00 CEST', false],
    ['Tuesday, 14 May 2024 09:30:00 +0000', false],
    ['Tue 14 May 2024 09:30:00 +0000', false],
    ['Tue, 14 May 2024 09:30:00 +0000 (unclosed', false],
  ])('%j → %s', (value, valid) => {
    expect(isValidDate(value)).toBe(valid);
  });
});

describe('parseMsgIds', () => {
  it.each([
    ['<a@b>', false, true, 1],
    ['<a.b.c@d.e>', false, true, 1],
    ['<"q s"@b>', false, true, 1],
    ['<a@[1.2.3.4]>', false, true, 1],
    ['<a@b> <c@d>', false, true, 2],
    ['<a@b><c@d>', false, true, 2],
    ['<a@b>, <c@d>', true, true, 2],
    ['<a@b>, <c@d>', false, false, 1],
    ['', false, false, 0],
    ['<>', false, false, 0],
    ['<a@>', false, false, 0],
    ['<@b>', false, false, 0],
    ['<a@b', false, false, 0],
    ['<a.@b>', false, false, 0],
    ['<a@b.>', false, false, 0],
    ['<a@[b\\c]>', false, false, 0],
    ['<a@b> x', false, false, 1],
  ] as const)('%j (commas %s) → ok %s, %i', (value, commas, ok, count) => {
    expect(parseMsgIds(value, commas)).toEqual({ ok, count });
  });
});

describe('RFC 2047 decoding', () => {
  it.each([
    ['plain', 'plain'],
    ['=?UTF-8?Q?caf=C3=A9_au_lait?=', 'café au lait'],
    ['=?utf-8?b?Y2Fmw6k=?=', 'café'],
    ['=?ISO-8859-1?Q?Gr=FC=DFe?=', 'Grüße'],
    ['=?windows-1252?Q?=80100?=', '€100'],
    ['=?UTF-8?Q?a?= =?UTF-8?Q?b?=', 'ab'],
    ['=?UTF-8?Q?a?=\t \t=?UTF-8?Q?b?=', 'ab'],
    ['=?UTF-8?Q?a?= x =?UTF-8?Q?b?=', 'a x b'],
    ['Re: =?UTF-8?Q?caf=C3=A9?= ok', 'Re: café ok'],
    // one UTF-8 character split over two encoded-words survives
    ['=?UTF-8?B?Y2Fmww==?= =?UTF-8?B?qQ==?=', 'café'],
    ['=?UTF-8*en?Q?hello?=', 'hello'],
    ['=?x-unknown?Q?hello?=', 'hello'],
    ['=?UTF-8?X?hello?=', '=?UTF-8?X?hello?='],
    ['=?UTF-8?Q?no end', '=?UTF-8?Q?no end'],
    ['=?UTF-8?Q?bad=ZZhex?=', 'bad=ZZhex'],
    ['=?ISO-2022-JP?B?GyRCJEskWyRzJDQbKEI=?=', 'にほんご'],
    ['=?windows-1252?Q?=93quoted=94_=96_dash?=', '“quoted” – dash'],
    ['=?iso-8859-1?Q?=A3_=E9?=', '£ é'],
  ])('%j → %j', (value, decoded) => {
    expect(decodeEncodedWords(value)).toBe(decoded);
  });

  it('agrees with mailparser on subjects nodemailer encodes', async () => {
    const subjects = [
      'Quarterly report',
      'Héllo wörld',
      'Ünïcödé and a rather long subject line that nodemailer has to split into several encoded words ✓',
      '日本語の件名、長いテキスト、エンコードされた単語に分割されます。もっと長くするためにもう少し',
      'Emoji 🎉🎉🎉 party 🎉 and more 🎉',
      'Mixed ASCII =?not-a-word?= text',
    ];
    for (const subject of subjects) {
      const message = await compose({ subject, text: 'x' });
      const parsed = await simpleParser(message);
      const { parseHeaderSection } = await import('../../src/checks/header-section.js');
      const field = parseHeaderSection(message).fields.find((f) => f.lname === 'subject')!;
      expect(decodeEncodedWords(field.value)).toBe(parsed.subject);
      expect(decodeEncodedWords(field.value)).toBe(subject);
    }
  });

  it('detects encoded-words only when complete', () => {
    expect(hasEncodedWord('=?utf-8?q?x?=')).toBe(true);
    expect(hasEncodedWord('X-=?a?B?Zg==?=-Y')).toBe(true);
    expect(hasEncodedWord('=?utf-8?q?x')).toBe(false);
    expect(hasEncodedWord('=?utf-8?z?x?=')).toBe(false);
    expect(hasEncodedWord('X-Plain')).toBe(false);
  });
});

describe('domainKind', () => {
  it.each([
    ['example.com', 'dns'],
    ['mail.sub.example.co.uk', 'dns'],
    ['xn--bcher-kva.example', 'dns'],
    ['bücher.example', 'dns'],
    ['a-b.example', 'dns'],
    ['192.0.2.1', 'ip'],
    ['[192.0.2.1]', 'ip'],
    ['[IPv6:2001:db8::1]', 'ip'],
    ['[ipv6:::1]', 'ip'],
    ['localhost', 'invalid'],
    ['', 'invalid'],
    ['example..com', 'invalid'],
    ['-example.com', 'invalid'],
    ['example-.com', 'invalid'],
    ['exa_mple.com', 'invalid'],
    ['example.c0m1', 'dns'],
    ['example.123', 'invalid'],
    ['256.1.1.1', 'invalid'],
    ['[256.1.1.1]', 'invalid'],
    ['[2001:db8::1]', 'invalid'],
    ['[IPv6:not-an-ip]', 'invalid'],
    [`${'a'.repeat(63)}.com`, 'dns'],
    [`${'a'.repeat(64)}.com`, 'invalid'],
    [`${'a.'.repeat(126)}com`, 'invalid'],
  ])('%j → %s', (domain, kind) => {
    expect(domainKind(domain)).toBe(kind);
  });
});

describe('blocked attachment types', () => {
  it.each([
    ['setup.exe', true],
    ['SETUP.EXE', true],
    ['invoice.pdf.exe', true],
    ['invoice.exe.', true],
    ['invoice.exe . .', true],
    ['script.js', true],
    ['macro.ps1', true],
    ['disk.iso', true],
    ['bundle.msixbundle', true],
    ['old.ex_', true],
    ['report.pdf', false],
    ['archive.zip', false],
    ['exe', false],
    ['notes.txt', false],
    ['photo.jpeg', false],
    ['README', false],
    ['.', false],
  ])('%j → %s', (filename, blocked) => {
    expect(isBlocked(filename, 'application/octet-stream')).toBe(blocked);
  });

  it('judges the content type too (a part without a filename, or a renamed one)', () => {
    expect(isBlocked(undefined, 'application/x-msdownload')).toBe(true);
    expect(isBlocked('', 'Application/Java-Archive')).toBe(true);
    expect(isBlocked('harmless.txt', 'application/x-msdownload')).toBe(true);
    expect(isBlocked(undefined, 'application/pdf')).toBe(false);
  });

  it('extension of a long run of dots is linear', () => {
    const name = 'a' + '.'.repeat(200_000) + 'b';
    const t = performance.now();
    expect(extensionOf(name)).toBe('b');
    expect(extensionOf('x' + ' .'.repeat(200_000))).toBe('');
    expect(performance.now() - t).toBeLessThan(200);
  });
});

describe('htmlToText', () => {
  it.each([
    ['<p>Hello <b>Bob</b></p><p>Bye</p>', 'Hello Bob\n\nBye'],
    ['<div>one</div>\n\n\n<div>two</div>', 'one\n\ntwo'],
    ['a<br>b<br/>c', 'a\nb\nc'],
    ['<table><tr><td>1</td><td>2</td></tr></table>', '1 2'],
    ['<style>p{color:red}</style><script>alert(1)</script>Text', 'Text'],
    ['<SCRIPT type="x">a</Script >after', 'after'],
    ['x<!-- hidden <b> -->y', 'xy'],
    ['Fish &amp; chips &lt;3 &#169; &#x263A; &nbsp;&unknown;', 'Fish & chips <3 © ☺ &unknown;'],
    ['&#0; &#xD800; &#99999999;', '\uFFFD \uFFFD &#99999999;'],
    ['a < b', 'a < b'],
    ['unclosed <script', 'unclosed <script'],
    ['<script>never closed', ''],
    ['<!-- never closed', ''],
    ['  lots   of \t space  ', 'lots of space'],
  ])('%j → %j', (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });

  it('stays linear on hostile HTML', () => {
    const t = performance.now();
    htmlToText('<'.repeat(200_000));
    htmlToText('<a'.repeat(100_000) + '>');
    htmlToText('<script>' + '</scrip'.repeat(50_000));
    htmlToText('&#'.repeat(100_000) + '&amp'.repeat(50_000));
    expect(performance.now() - t).toBeLessThan(1_000);
  });
});

describe('StreamScanner', () => {
  const pattern = EICAR_BYTES;
  const payload = Buffer.concat([Buffer.alloc(1000, 0x41), pattern, Buffer.alloc(1000, 0x42)]);

  it('finds a pattern split at every possible chunk boundary', () => {
    for (let cut = 990; cut <= 1000 + pattern.length + 5; cut++) {
      const s = new StreamScanner([EICAR_BYTES, GTUBE_BYTES]);
      s.write(payload.subarray(0, cut));
      s.write(payload.subarray(cut));
      expect(s.has(0)).toBe(true);
      expect(s.has(1)).toBe(false);
    }
  });

  it('finds it when fed one byte at a time', () => {
    const s = new StreamScanner([EICAR_BYTES]);
    for (let i = 0; i < payload.length; i++) s.write(payload.subarray(i, i + 1));
    expect(s.has(0)).toBe(true);
  });

  it('does not find an incomplete pattern', () => {
    const s = new StreamScanner([EICAR_BYTES]);
    s.write(pattern.subarray(0, 30));
    s.write(Buffer.from('x'));
    s.write(pattern.subarray(30));
    expect(s.has(0)).toBe(false);
  });
});
