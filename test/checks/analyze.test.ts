/**
 * analyzeMessage over realistic messages composed by nodemailer (text, HTML, attachments,
 * encoded subjects, EICAR as a base64 attachment) and hand-made ones for what nodemailer would
 * never write. Every body fact has cases where it fires and cases where it must not.
 */
import { describe, expect, it } from 'vitest';
import { analyzeHeaders, analyzeMessage, EICAR, GTUBE, LIMITS, type MessageAnalysis } from '../../src/checks/index.js';
import type { MessageFacts } from '../../src/engine/facts.js';
import { BASE_HEADERS, compose, headersWith, input, raw } from './helpers.js';

type Expect = { [K in keyof MessageAnalysis]?: unknown };

interface Case {
  readonly name: string;
  readonly message: () => Promise<Buffer> | Buffer;
  readonly expect: Expect;
}

const table = (cases: readonly Case[]) =>
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await analyzeMessage(input(await c.message()))).toMatchObject(c.expect);
  });

const pdf = Buffer.from('%PDF-1.4\n' + 'x'.repeat(3000));

describe('text', () => {
  table([
    { name: 'text/plain body', message: () => compose({ subject: 's', text: 'Hello Bob,\nthe report is attached.' }), expect: { text: 'Hello Bob,\nthe report is attached.\n' } },
    { name: 'text wins over HTML in multipart/alternative', message: () => compose({ text: 'plain words', html: '<p>html words</p>' }), expect: { text: 'plain words' } },
    { name: 'HTML only: text derived from the HTML', message: () => compose({ html: '<html><head><title>T</title><style>b{}</style></head><body><p>Dear&nbsp;Bob</p><p>Buy <b>now</b> &amp; save</p></body></html>' }), expect: { text: 'Dear Bob\n\nBuy now & save' } },
    { name: 'quoted-printable, non-ASCII text decoded', message: () => compose({ text: 'Grüße aus Köln — ' + 'long line '.repeat(20) }), expect: { text: 'Grüße aus Köln — ' + 'long line '.repeat(20) + '\n' } },
    { name: 'base64 text part in ISO-8859-1 decoded', message: () => raw(headersWith(['MIME-Version: 1.0', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: base64']), Buffer.from('Grüße', 'latin1').toString('base64') + '\r\n'), expect: { text: 'Grüße' } },
    { name: 'no MIME headers: the body is text', message: () => raw(BASE_HEADERS, ['line one', 'line two']), expect: { text: 'line one\nline two\n' } },
    { name: 'attachment only: no text', message: () => compose({ attachments: [{ filename: 'r.pdf', content: pdf }] }), expect: { text: '' } },
    { name: 'headers only: no text', message: () => Buffer.from('From: a@example.com\r\nSubject: x\r\n'), expect: { text: '', malformed: false } },
  ]);
});

describe('attachments', () => {
  table([
    {
      name: 'names, types and decoded sizes, in order',
      message: () =>
        compose({
          text: 'see attached',
          attachments: [
            { filename: 'report.pdf', content: pdf },
            { filename: 'data.csv', content: 'a,b\n1,2\n' },
            { content: Buffer.alloc(10, 7), contentType: 'application/x-custom' },
          ],
        }),
      expect: {
        attachmentCount: 3,
        attachments: [
          { filename: 'report.pdf', contentType: 'application/pdf', size: pdf.length },
          { filename: 'data.csv', contentType: 'text/csv', size: 8 },
          { contentType: 'application/x-custom', size: 10 },
        ],
        blockedAttachments: [],
      },
    },
    { name: 'none', message: () => compose({ text: 'x' }), expect: { attachmentCount: 0, attachments: [], blockedAttachments: [] } },
    { name: 'an inline image counts as an attachment', message: () => compose({ html: '<img src="cid:logo">', attachments: [{ filename: 'logo.png', content: Buffer.alloc(50, 1), cid: 'logo' }] }), expect: { attachmentCount: 1, attachments: [{ filename: 'logo.png', contentType: 'image/png', size: 50 }] } },
    { name: 'an encoded filename is decoded', message: () => compose({ attachments: [{ filename: 'Bericht für März.pdf', content: pdf }] }), expect: { attachments: [{ filename: 'Bericht für März.pdf' }] } },
    { name: 'a top-level attachment (no multipart)', message: () => raw(headersWith(['MIME-Version: 1.0', 'Content-Type: application/octet-stream; name="tool.exe"', 'Content-Disposition: attachment; filename="tool.exe"', 'Content-Transfer-Encoding: base64']), Buffer.from([0x4d, 0x5a, 0x90, 0x00]).toString('base64') + '\r\n'), expect: { attachmentCount: 1, attachments: [{ filename: 'tool.exe', size: 4 }], blockedAttachments: ['tool.exe'] } },
  ]);
});

describe('blocked attachments', () => {
  const withFiles = (...names: string[]) => () => compose({ text: 'x', attachments: names.map((filename) => ({ filename, content: 'data' })) });
  table([
    { name: '.exe', message: withFiles('setup.exe'), expect: { blockedAttachments: ['setup.exe'] } },
    { name: 'double extension and upper case', message: withFiles('invoice.pdf.EXE'), expect: { blockedAttachments: ['invoice.pdf.EXE'] } },
    { name: 'several blocked types among harmless ones', message: withFiles('a.pdf', 'b.js', 'c.txt', 'd.vbs', 'e.iso'), expect: { blockedAttachments: ['b.js', 'd.vbs', 'e.iso'], attachmentCount: 5 } },
    { name: 'a part with no filename but an executable type', message: () => compose({ text: 'x', attachments: [{ content: 'MZ', contentType: 'application/x-msdownload', filename: false }] }), expect: { blockedAttachments: ['application/x-msdownload'] } },
    { name: 'harmless types', message: withFiles('a.pdf', 'b.docx', 'c.png', 'd.zip'), expect: { blockedAttachments: [] } },
    { name: 'a name that merely contains "exe"', message: withFiles('exercise.txt', 'my.exe.notes.pdf'), expect: { blockedAttachments: [] } },
  ]);
});

describe('EICAR', () => {
  table([
    { name: 'as a base64 attachment', message: () => compose({ text: 'x', attachments: [{ filename: 'eicar.com', content: EICAR }] }), expect: { eicar: true, gtube: false, blockedAttachments: ['eicar.com'] } },
    { name: 'inside a larger attachment, across decode chunks', message: () => compose({ text: 'x', attachments: [{ filename: 'big.bin', content: Buffer.concat([Buffer.alloc(200_003, 0x61), Buffer.from(EICAR), Buffer.alloc(100_000, 0x62)]) }] }), expect: { eicar: true } },
    { name: 'quoted-printable text attachment', message: () => compose({ text: 'x', attachments: [{ filename: 'eicar.txt', content: EICAR, contentTransferEncoding: 'quoted-printable' }] }), expect: { eicar: true } },
    { name: 'plain in the raw body', message: () => raw(BASE_HEADERS, [EICAR]), expect: { eicar: true } },
    { name: 'in a base64 text body', message: () => compose({ text: EICAR, textEncoding: 'base64' }), expect: { eicar: true } },
    { name: 'no test string', message: () => compose({ text: 'x', attachments: [{ filename: 'r.pdf', content: pdf }] }), expect: { eicar: false } },
    { name: 'a truncated test string', message: () => compose({ text: 'x', attachments: [{ filename: 'e.com', content: EICAR.slice(0, -1) }] }), expect: { eicar: false } },
  ]);
});

describe('GTUBE', () => {
  table([
    { name: 'plain in the raw body', message: () => raw(BASE_HEADERS, ['Hi', GTUBE]), expect: { gtube: true, eicar: false } },
    { name: 'in a base64 text part', message: () => compose({ text: `spam ${GTUBE} spam`, textEncoding: 'base64' }), expect: { gtube: true } },
    { name: 'in a quoted-printable text part, soft line breaks inside', message: () => compose({ text: 'é'.repeat(40) + GTUBE, textEncoding: 'quoted-printable' }), expect: { gtube: true } },
    { name: 'in an HTML-only message', message: () => compose({ html: `<p>${GTUBE}</p>`, textEncoding: 'base64' }), expect: { gtube: true } },
    { name: 'in a text attachment', message: () => compose({ text: 'x', attachments: [{ filename: 'g.txt', content: GTUBE, contentTransferEncoding: 'base64' }] }), expect: { gtube: true } },
    { name: 'no test string', message: () => compose({ text: 'perfectly normal mail' }), expect: { gtube: false } },
    { name: 'in the Subject only (not the body)', message: () => compose({ subject: GTUBE, text: 'x' }), expect: { gtube: false } },
  ]);
});

describe('malformed, truncated, bare line feeds', () => {
  table([
    { name: 'a composed message is well-formed', message: () => compose({ text: 'x', attachments: [{ filename: 'a.pdf', content: pdf }] }), expect: { malformed: false, truncated: false, bareLineFeeds: false } },
    { name: 'a malformed header section makes the message malformed', message: () => Buffer.from('\r\nno headers at all\r\n'), expect: { malformed: true, text: 'no headers at all\n' } },
    { name: 'garbage without a separator is still searched', message: () => Buffer.from(`junk line\r\n${GTUBE}\r\n`), expect: { malformed: true, gtube: true } },
    { name: 'bare LF line endings', message: () => Buffer.from(raw(BASE_HEADERS).toString('latin1').replace(/\r\n/g, '\n'), 'latin1'), expect: { bareLineFeeds: true, malformed: false, text: 'Hello.\n' } },
    { name: 'one bare LF in the body', message: () => raw(BASE_HEADERS, 'line\nline\r\n'), expect: { bareLineFeeds: true } },
    { name: 'a lone CR is not a bare LF', message: () => raw(BASE_HEADERS, 'line\rline\r\n'), expect: { bareLineFeeds: false } },
  ]);
});

describe('consistency', () => {
  it('header facts equal analyzeHeaders, size is the raw length', async () => {
    const message = await compose({
      subject: 'Grüße — a subject that nodemailer will encode',
      cc: ['c@example.com', 'd@example.com'],
      headers: { 'X-Mailer-Test': 'yes', 'Delivered-To': 'bob@example.org' },
      text: 'x',
      html: '<p>x</p>',
      attachments: [{ filename: 'a.pdf', content: pdf }],
    });
    const full = await analyzeMessage(input(message));
    const head = analyzeHeaders(input(message));
    for (const key of Object.keys(head) as (keyof typeof head)[]) expect(full[key]).toEqual(head[key]);
    expect(full.size).toBe(message.length);
    expect(full.subject).toBe('Grüße — a subject that nodemailer will encode');
    expect(full.deliveredToLoop).toBe(true);
    expect(full.malformedHeaders).toEqual([]);
  });

  it('is deterministic', async () => {
    const message = await compose({ text: GTUBE, attachments: [{ filename: 'e.exe', content: EICAR }] });
    const a = await analyzeMessage(input(message));
    const b = await analyzeMessage(input(message));
    expect(a).toEqual(b);
  });

  it('is usable as the engine’s MessageFacts', async () => {
    const a = await analyzeMessage(input(raw(BASE_HEADERS)));
    const facts: MessageFacts = a; // compile-time: MessageAnalysis is a MessageFacts
    expect(facts.headers?.get('subject')).toEqual(['Quarterly report']);
  });

  it('caps attachment records but counts them all', async () => {
    const parts: string[] = [];
    const n = LIMITS.attachmentRecords + 5;
    for (let i = 0; i < n; i++) parts.push(`--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="f${i}.pdf"\r\n\r\nx\r\n`);
    const message = raw(headersWith(['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"']), parts.join('') + '--b--\r\n');
    const a = await analyzeMessage(input(message));
    expect(a.attachmentCount).toBe(n);
    expect(a.attachments).toHaveLength(LIMITS.attachmentRecords);
    expect(a.attachments[0]).toEqual({ filename: 'f0.pdf', contentType: 'application/pdf', size: 1 });
    expect(a.truncated).toBe(false);
  });
});
