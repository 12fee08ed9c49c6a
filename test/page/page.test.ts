/**
 * The web page at `/`, driven in headless Chromium (Debian's `chromium`, through
 * playwright-core) against an in-process mockmx with real SMTP traffic. Waits are
 * playwright's auto-waiting locators; nothing sleeps.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/server.js';
import { cmd, dialog } from '../helpers/telnet.js';
import { send, serveHttp } from '../http/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Where the screenshot of the main view goes (look at it: it is the laptop-screen check). */
const SCREENSHOT_DIR = process.env.MOCKMX_SCREENSHOT_DIR ?? join(tmpdir(), 'mockmx-page');

const SCENARIO = `name: page-test
description: Accepts mail, refuses blocked@ recipients.
server:
  hostname: mx.page.test
rules:
  - id: refuse-blocked
    description: blocked@ is refused for good
    when: { rcpt: "blocked@*" }
    then: { reply: { code: 550, enhanced: 5.7.1, text: "blocked by the page test" } }
  # the highlight of the rule above stops here
  - id: later
    when: { rcpt: "later@*" }
    then: gmail.rate-limited-recipient
`;

/** Greylists slow@: nodemailer sends once, so the 450 is never retried (retry-after-4xx fails). */
const GREYLIST = `name: report-page-test
rules:
  - { id: grey, when: { stage: rcpt, rcpt: "slow@*" }, greylist: { delay: 1m }, then: "450 4.2.1 try later" }
`;
const HOUR = 3_600_000;
/** Markup in an envelope sender: refused as bad syntax, yet the report card records the sender as written. */
const HOSTILE = '<img/src/onerror=document.title=2><script>document.title=1</script>@evil.test';

/** An Exim mainlog line (a reply's line breaks written as a backslash and n) with Gmail's no-such-user reply. */
const EXIM_BOUNCE = String.raw`2024-05-14 09:30:00 1sABCD-000123-AB ** nobody@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [142.250.102.27]: SMTP error from remote mail server after RCPT TO:<nobody@gmail.com>: 550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or unnecessary\n550-5.1.1 spaces. For more information, go to\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 5b1f17b1804b1-43cd - gsmtp`;

let launched: Promise<BrowserContext> | undefined;
let userDataDir: string | undefined;

/** The browser, launched by the first test that needs it; every test fails (none is skipped) without it. */
function browser(): Promise<BrowserContext> {
  launched ??= (async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the web page tests drive Debian's Chromium; install it with "apt-get install chromium"`);
    userDataDir = mkdtempSync(join(tmpdir(), 'mockmx-chromium-'));
    return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1366, height: 768 } });
  })();
  return launched;
}

afterAll(async () => {
  await launched?.then((b) => b.close()).catch(() => undefined);
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** A fresh tab; page errors and console errors (CSP violations among them) fail the test. */
async function open(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser()).newPage();
  page.setDefaultTimeout(5000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  return { page, problems };
}

const lines = (page: Page, selector: string) => page.locator(selector).allTextContents();

/** Runs a command line as a person would paste it (bash; curl must be installed, as for the HTTP tests). */
function shell(command: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', ['-c', command], { timeout: 10_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${command}\n${err.message}\n${stderr}`)) : resolve(stdout))),
  );
}

describe('the web page', () => {
  it('guides a newcomer, shows sessions and messages live, refusals with their rule, and the message safely', async () => {
    const { mx, url, api } = await serveHttp(SCENARIO);
    const { page, problems } = await open(`${url}/`);
    try {
      // the empty state says where to send mail, with commands to paste
      const empty = page.locator('#empty-state');
      await empty.waitFor();
      const address = `127.0.0.1:${mx.smtp.port}`;
      expect(await empty.textContent()).toContain(address);
      expect(await empty.locator('pre.example').first().textContent()).toContain(`swaks --server ${address}`);
      expect(await lines(page, '#empty-state pre.example')).toEqual(expect.arrayContaining([expect.stringContaining(`| nc 127.0.0.1 ${mx.smtp.port}`)]));
      expect(await page.locator('#list .list-empty').textContent()).toMatch(/No sessions yet/);
      await page.locator('#live[data-state="live"]').waitFor();
      await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

      // the curl example, pasted into a shell as shown, delivers the first message, which appears live
      const curlExample = await page.locator('#empty-state .example-block', { hasText: 'curl smtp://' }).locator('pre').textContent();
      await shell(curlExample!);
      await page.locator('#list .item .badge', { hasText: 'delivered' }).waitFor();
      await page.locator('#list-pane [data-tab="messages"]').click();
      await page.locator('#list .item', { hasText: 'Hello from curl' }).waitFor();
      await page.locator('#list-pane [data-tab="sessions"]').click();

      // real mail: nodemailer (one recipient refused by a rule) and a person typing SMTP
      await send(mx, {
        to: ['bob@example.com', 'blocked@example.com'],
        subject: '<img src=x onerror="document.title=1"> Invoice 42',
        text: 'The plain text body.',
        html: '<h1 id="greeting">Hello <b>there</b></h1><p id="flag">script did not run</p><script>document.getElementById("flag").textContent = "script ran"; parent.document.title = "script ran";</script>',
        attachments: [{ filename: 'notes.txt', content: 'attached notes' }],
      });
      const typed = await dialog(mx.smtp.port, [cmd('EHLO typist.example', '250'), cmd('MAIL FROM:<typist@example.com>', '250'), cmd('RCPT TO:<blocked@example.com>', '550 5.7.1')]);
      await typed.expect('QUIT', '221');
      typed.close();

      // the new sessions and message show up without a reload
      const sessions = (await api('/api/v1/sessions?transcript=false')).body.items as { id: string; heloName?: string }[];
      const rejected = sessions.find((s) => s.heloName === 'typist.example')!;
      const invoice = ((await api('/api/v1/messages?subject=invoice')).body.items as { sessionId: string }[])[0]!;
      const delivered = sessions.find((s) => s.id === invoice.sessionId)!;
      const rejectedItem = page.locator(`#list .item[data-id="${rejected.id}"]`);
      await rejectedItem.locator('.badge', { hasText: 'rejected 550' }).waitFor();
      await page.locator(`#list .item[data-id="${delivered.id}"] .badge`, { hasText: 'delivered' }).waitFor();
      await page.locator('#count-messages', { hasText: /^2$/ }).waitFor();
      await page.locator('#count-sessions', { hasText: /^3$/ }).waitFor();
      await page.locator('#welcome').waitFor(); // the empty state gave way
      expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

      // the rejected session: its transcript, the refusal highlighted, the rule linked
      await rejectedItem.locator('a').click();
      const refusal = page.locator('.transcript tr.refusal.perm');
      await refusal.first().waitFor();
      expect(await refusal.count()).toBe(1);
      expect(await refusal.locator('td.text').textContent()).toBe('550 5.7.1 blocked by the page test');
      expect(await refusal.locator('td.at').textContent()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
      expect(await lines(page, '.transcript tr.in td.text')).toEqual(['EHLO typist.example', 'MAIL FROM:<typist@example.com>', 'RCPT TO:<blocked@example.com>', 'QUIT']);
      expect(await page.locator('.transcript tr.out:not(.refusal)').count()).toBeGreaterThan(3);
      expect(await page.locator('.session .refusals li').textContent()).toContain('550 5.7.1 blocked by the page test');

      // the main view on a laptop screen
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'main-1366x768.png') });
      const pane = await page.locator('#list-pane').boundingBox();
      const detail = await page.locator('#detail').boundingBox();
      expect(pane!.width).toBeGreaterThanOrEqual(300);
      expect(detail!.x).toBeGreaterThanOrEqual(pane!.x + pane!.width - 1); // side by side
      expect(detail!.width).toBeGreaterThan(800);

      // the rule link leads to the rule's YAML, highlighted and scrolled into view
      await refusal.locator('a.rule-link', { hasText: 'refuse-blocked' }).click();
      const highlighted = page.locator('.yaml .yl.hl');
      await highlighted.first().waitFor();
      expect(await lines(page, '.yaml .yl.hl .code')).toEqual([
        '  - id: refuse-blocked',
        '    description: blocked@ is refused for good',
        '    when: { rcpt: "blocked@*" }',
        '    then: { reply: { code: 550, enhanced: 5.7.1, text: "blocked by the page test" } }',
      ]);
      expect(await lines(page, '.yaml .yl.hl .ln')).toEqual(['6', '7', '8', '9']);
      expect(await page.locator('#rule-card').textContent()).toContain('test-scenario.yaml:6');
      const inView = await highlighted.first().evaluate((el) => {
        const box = el.getBoundingClientRect();
        return box.top >= 0 && box.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight;
      });
      expect(inView).toBe(true);

      // the delivered session lists its refusal too, and links the message from its transcript
      await page.locator(`#list-pane [data-tab="sessions"]`).click();
      await page.locator(`#list .item[data-id="${delivered.id}"] a`).click();
      await page.locator('.transcript tr.refusal.perm td.rule a', { hasText: 'refuse-blocked' }).waitFor();
      await page.locator('.transcript a.message-link').click();

      // the message: headers, text, HTML in a sandboxed frame whose script never ran, attachments, raw
      const message = page.locator('section.message');
      await message.waitFor();
      // markup in a subject is text, not markup
      expect(await message.locator('h2').textContent()).toBe('<img src=x onerror="document.title=1"> Invoice 42');
      expect(await page.locator('#list img, #detail img').count()).toBe(0);
      expect(await message.locator('.meta').textContent()).toContain('alice@example.com');
      expect(await message.locator('.meta').textContent()).toContain('550 5.7.1 blocked@example.com: blocked by the page test');
      const frame = message.locator('iframe.html-frame');
      await frame.waitFor();
      expect(await frame.getAttribute('sandbox')).toBe('');
      const inside = page.frameLocator('iframe.html-frame');
      expect(await inside.locator('#greeting').textContent()).toBe('Hello there');
      expect(await inside.locator('#flag').textContent()).toBe('script did not run');
      expect(await inside.locator('script').count()).toBe(1); // it was there, and it did not run
      expect(await page.title()).toBe('mockmx');

      await message.locator('.tabs [data-key="text"]').click();
      expect((await message.locator('pre.body-text').textContent())?.trim()).toBe('The plain text body.');
      await message.locator('.tabs [data-key="headers"]').click();
      const headerNames = await lines(page, 'section.message table.headers th');
      expect(headerNames.map((n) => n.toLowerCase())).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'message-id']));
      await message.locator('.tabs [data-key="raw"]').click();
      await message.locator('pre.raw', { hasText: 'Content-Disposition: attachment; filename=notes.txt' }).waitFor();

      const attachment = message.locator('.attachments a');
      expect(await attachment.textContent()).toBe('notes.txt');
      const href = await attachment.getAttribute('href');
      expect(href).toMatch(/^\/api\/v1\/messages\/m\d+\/attachments\/0$/);
      expect(await (await fetch(url + href)).text()).toBe('attached notes');
      expect(await message.locator('a.download').getAttribute('href')).toMatch(/^\/api\/v1\/messages\/m\d+\/raw$/);

      // the one console error is Chromium refusing the mail's script: the sandbox at work
      expect(problems).toEqual([expect.stringMatching(/^console error: Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/)]);
    } finally {
      await page.close();
    }
  });

  it('grades senders in the Report view: failing checks first with their evidence, filters, the JUnit link, live updates, reset, markup as text', async () => {
    let now = Date.parse('2026-12-04T10:00:00Z');
    const { mx, url, api } = await serveHttp(GREYLIST, { now: () => now });
    await expect(send(mx, { from: 'app@example.com', to: 'slow@example.com' })).rejects.toThrow(/450/);
    await send(mx, { from: 'other@example.com', to: 'fine@example.com' });
    const hostile = await dialog(mx.smtp.port, [cmd('EHLO hostile.example', '250'), cmd(`MAIL FROM:<${HOSTILE}>`, '501')]);
    await hostile.expect('QUIT', '221');
    hostile.close();
    await eventually(() => (mx.sessions.list().length === 3 && mx.sessions.list().every((s) => s.endedAt !== undefined) ? true : undefined));
    now += 2 * HOUR; // the 450 is now overdue for a retry that never came
    const report = (await api('/api/v1/report')).body as { senders: { sender: string | null }[] };
    const hostileSender = report.senders.map((s) => s.sender).find((s) => s?.includes('<script>'));
    expect(hostileSender, 'the report card records the hostile sender').toBeDefined();

    const { page, problems } = await open(`${url}/`);
    try {
      await page.locator('#live[data-state="live"]').waitFor();
      await page.locator('.nav a[data-nav="report"]').click();
      expect(await page.locator('.nav a[data-nav="report"]').getAttribute('aria-current')).toBe('true');
      const cards = page.locator('#report-senders .sender-report');
      const app = page.locator('#report-senders .sender-report[data-sender="app@example.com"]');
      await app.waitFor();
      expect(await cards.count()).toBe(3);
      expect(await page.locator('#report-summary').textContent()).toMatch(/^3 senders, checks:\d+ failed\d+ passed\d+ not exercisedas of /);
      expect(await app.getAttribute('class')).toContain('failing');
      expect(await app.locator('.sender-ip').textContent()).toBe('127.0.0.1');

      // the failing check, open, with its clause, remedy, counts and evidence
      const retry = app.locator('.check[data-check="retry-after-4xx"]');
      expect(await retry.locator('.badge.verdict').textContent()).toBe('fail');
      const detail = retry.locator('.evidence-detail', { hasText: 'never retried <slow@example.com>' });
      expect(await detail.isVisible()).toBe(true);
      expect(await retry.locator('pre.evidence-lines').first().textContent()).toMatch(/450 4\.2\.1 try later/);
      expect(await retry.locator('pre.evidence-lines').first().isVisible()).toBe(true);
      expect(await retry.locator('pre.evidence-lines').first().evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).fontFamily)).toMatch(/mono/i);
      expect(await retry.locator('.meta').textContent()).toMatch(/RFC 5321 §4\.5\.4\.1.*Queue each 4xx-refused recipient/);
      expect(await retry.locator('.check-counts').textContent()).toBe(' · 1 failed, 0 passed');
      // failing checks come first, then passed ones; the unexercised are folded away
      const verdicts = await app.locator(':scope > ol.checks .badge.verdict').allTextContents();
      expect(verdicts[0]).toBe('fail');
      expect(verdicts).toEqual([...verdicts].sort((a, b) => ['fail', 'pass'].indexOf(a) - ['fail', 'pass'].indexOf(b)));
      expect(await app.locator('details.idle-checks').getAttribute('open')).toBeNull();
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'report-1366x768.png') });

      // the evidence's session id leads to its transcript
      const sessionId = await retry.locator('a.evidence-session').first().textContent();
      await retry.locator('a.evidence-session').first().click();
      await page.locator(`section.session[data-session="${sessionId}"] .transcript tr.refusal.temp`, { hasText: '450 4.2.1 try later' }).waitFor();
      await page.locator('.nav a[data-nav="report"]').click();
      await app.waitFor();

      // filtering by sender (and IP) narrows the list, and the JUnit link carries the filters
      await page.locator('#report-sender').fill('APP@example.com');
      await page.locator('#report-ip').fill('127.0.0.1');
      await page.locator('#report-sender').press('Enter');
      await cards.nth(1).waitFor({ state: 'detached' });
      expect(await cards.count()).toBe(1);
      await app.waitFor();
      expect(new URL(page.url()).hash).toBe('#/report?sender=APP%40example.com&ip=127.0.0.1');
      const junit = await page.locator('#report-junit').getAttribute('href');
      expect(junit).toBe('/api/v1/report?sender=APP%40example.com&ip=127.0.0.1&format=junit');
      const xml = await (await fetch(url + junit)).text();
      expect(xml).toContain('<testsuite name="app@example.com from 127.0.0.1"');
      expect(xml).not.toContain('other@example.com');
      // a time range: nothing happened from 2099 on
      const from = '2099-01-01T00:00';
      await page.locator('#report-from').fill(from);
      await page.locator('#report-filters button[type="submit"]').click();
      await page.locator('#report-empty', { hasText: 'No sender matches these filters.' }).waitFor();
      const fromIso = await page.evaluate((v) => new Date(v).toISOString(), from);
      expect(await page.locator('#report-junit').getAttribute('href')).toBe(`/api/v1/report?sender=APP%40example.com&ip=127.0.0.1&from=${encodeURIComponent(fromIso)}&format=junit`);
      await page.locator('#report-clear').click();
      await cards.nth(2).waitFor();
      expect(await page.locator('#report-junit').getAttribute('href')).toBe('/api/v1/report?format=junit');

      // the hostile sender and its transcript line are text: no element made of them, no script run
      const evil = cards.filter({ has: page.locator('.sender-name', { hasText: '<script>' }) });
      expect(await evil.locator('.sender-name').textContent()).toBe(hostileSender);
      expect(await evil.locator('pre.evidence-lines', { hasText: 'MAIL FROM:' }).first().textContent()).toContain(`MAIL FROM:<${HOSTILE}>`);
      expect(await page.locator('#detail script, #detail img').count()).toBe(0);
      expect(await page.title()).toBe('mockmx');
      // "only this one" filters on it exactly
      await evil.locator('button.only-this').click();
      await cards.nth(1).waitFor({ state: 'detached' });
      expect(await cards.locator('.sender-name').allTextContents()).toEqual([hostileSender]);
      expect(await page.locator('#report-sender').inputValue()).toBe(`<${hostileSender}>`);
      await page.locator('#report-clear').click();
      await cards.nth(2).waitFor();

      // a session that ends is graded without a reload
      await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
      await send(mx, { from: 'late@example.com', to: 'fine@example.com' });
      await page.locator('#report-senders .sender-report[data-sender="late@example.com"]').waitFor();
      expect(await cards.count()).toBe(4);
      expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

      // Reset (after a confirmation) empties the card and the view
      page.once('dialog', (d) => void d.accept());
      await page.locator('#report-reset').click();
      await page.locator('#report-empty', { hasText: 'Nothing graded yet' }).waitFor();
      expect(await cards.count()).toBe(0);
      expect((await api('/api/v1/report')).body.senders).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('switches the scenario and searches the catalog', async () => {
    const { mx, url } = await serveHttp('default');
    const { page, problems } = await open(`${url}/#/scenario`);
    try {
      await page.locator('h2', { hasText: 'Scenario default' }).waitFor();
      expect(await page.locator('#scenario-badge').textContent()).toBe('scenario: default');
      await page.locator('#scenario-select').selectOption('gmail');
      await page.locator('form.switcher button[type="submit"]').click();
      await page.locator('h2', { hasText: 'Scenario gmail' }).waitFor();
      expect(mx.scenario().name).toBe('gmail');
      expect(await page.locator('#scenario-badge').textContent()).toBe('scenario: gmail');
      expect(await page.locator('table.rules tbody tr').count()).toBe(mx.scenario().rules.length);

      // switched elsewhere (the API, a test): the badge and the open scenario view follow
      await page.locator('#live[data-state="live"]').waitFor();
      mx.useScenario('godaddy');
      await page.locator('h2', { hasText: 'Scenario godaddy' }).waitFor();
      expect(await page.locator('#scenario-badge').textContent()).toBe('scenario: godaddy');

      // a scenario that extends another shows each rule in the file it is written in
      await page.locator('#scenario-select').selectOption('gmail-submission');
      await page.locator('form.switcher button[type="submit"]').click();
      await page.locator('h2', { hasText: 'Scenario gmail-submission' }).waitFor();
      await page.locator('table.rules a', { hasText: 'gmail-receiving-rate' }).click();
      await page.locator('.yaml[data-file="scenarios/gmail.yaml"] .yl.hl', { hasText: 'id: gmail-receiving-rate' }).waitFor();

      await page.locator('.nav a[data-nav="catalog"]').click();
      const search = page.locator('#catalog-q');
      await search.waitFor();
      await page.locator('#catalog-results .entry').nth(20).waitFor(); // browsable: everything before a search
      await search.fill('gmail.dmarc-policy');
      await page.locator('#catalog-count', { hasText: /^1 entry$/ }).waitFor();
      const entry = page.locator('#catalog-results .entry[data-id="gmail.dmarc-policy"]');
      expect(await entry.textContent()).toContain('550 5.7.26');
      // each entry links where its wording comes from and says how it was checked
      const source = entry.locator('.entry-sources a').first();
      expect(await source.textContent()).toBe('seed-translation, read 2026-12-04');
      expect(await source.getAttribute('href')).toMatch(/^https:\/\/support\.google\.com\/a\/answer\/3726730/);
      expect(await page.locator('#catalog-results .entry').count()).toBe(1);
      expect(new URL(page.url()).hash).toBe('#/catalog?q=gmail.dmarc-policy');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('explains a pasted bounce in the catalog view: ranked entries with the next step and the rule that reproduces it', async () => {
    const { url } = await serveHttp('default');
    const { page, problems } = await open(`${url}/#/catalog`);
    try {
      const box = page.locator('#explain-text');
      await box.waitFor();
      await box.fill(EXIM_BOUNCE);
      await page.locator('#explain-go').click();
      const first = page.locator('#explain-results .entry').first();
      await first.and(page.locator('[data-id="gmail.user-unknown"]')).waitFor();
      expect(await page.locator('#explain-status').textContent()).toMatch(/^read as exim: 550 5\.1\.1, points at gmail — \d+ match(es)?$/);
      expect(await first.locator('.explain-next').textContent()).toMatch(/^Next: Permanent: do not retry this recipient/);
      expect(await first.locator('.explain-magic code').textContent()).toBe('RCPT TO:<gmail.user-unknown@example.com>');
      expect(await first.locator('pre.explain-rule').textContent()).toContain('then: gmail.user-unknown');
      expect(await first.locator('.explain-score').textContent()).toMatch(/^score (0|1)\.\d{3}$/);

      // markup in the pasted text stays text; a line that is no bounce says so
      await box.fill('<img src=x onerror="document.title=1"> hello world');
      await page.locator('#explain-go').click();
      await page.locator('#explain-status', { hasText: 'no catalog entry is like it' }).waitFor();
      expect(await page.locator('#explain-results .entry').count()).toBe(0);
      expect(await page.title()).not.toBe('1');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('with an API token, works from ?token= and is refused without it', async () => {
    const { mx, url } = await serveHttp('default', { token: 'pa ge&token' });
    const query = `?token=${encodeURIComponent('pa ge&token')}`;
    for (const path of ['/', '/assets/app.js', '/assets/page.css', '/api/v1/messages', '/api/v1/events', '/page/scenario/sources']) {
      expect((await fetch(url + path)).status, path).toBe(401);
    }
    expect((await fetch(`${url}/?token=wrong`)).status).toBe(401);

    const { page, problems } = await open(`${url}/${query}`);
    try {
      await page.locator('#empty-state').waitFor();
      await page.locator('#live[data-state="live"]').waitFor(); // the event stream took the token
      await send(mx, { subject: 'behind a token', text: 'still delivered' });
      const item = page.locator('#list-pane .item', { hasText: 'behind a token' });
      await page.locator('#list-pane [data-tab="messages"]').click();
      await item.waitFor();
      await item.locator('a').click();
      await page.locator('section.message .tabs [data-key="text"]').click();
      expect((await page.locator('pre.body-text').textContent())?.trim()).toBe('still delivered');
      const raw = await page.locator('section.message a.download').getAttribute('href');
      expect(raw).toMatch(/\/raw\?token=pa%20ge%26token$/);
      expect((await fetch(url + raw)).status).toBe(200);
      await page.locator('.nav a[data-nav="scenario"]').click();
      await page.locator('h2', { hasText: 'Scenario default' }).waitFor();
      // the report view reads the API with the token, and its JUnit link carries it
      await page.locator('.nav a[data-nav="report"]').click();
      await page.locator('#report-senders .sender-report[data-sender="alice@example.com"]').waitFor();
      const junit = await page.locator('#report-junit').getAttribute('href');
      expect(junit).toBe('/api/v1/report?format=junit&token=pa%20ge%26token');
      expect((await fetch(url + junit)).status).toBe(200);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
  it('a large message (spooled to disk) shows its text and offers its raw form as a download only', async () => {
    const { mx, url } = await serveHttp('default', { spoolAboveBytes: 64 * 1024 });
    const { page, problems } = await open(`${url}/`);
    try {
      await page.locator('#live[data-state="live"]').waitFor();
      const line = 'a line of a large message, repeated until it weighs three megabytes';
      await send(mx, { subject: 'a large one', text: Array.from({ length: 45_000 }, () => line).join('\n') });
      await page.locator('#list-pane [data-tab="messages"]').click();
      const item = page.locator('#list-pane .item', { hasText: 'a large one' });
      await item.waitFor();
      await item.locator('a').click();
      const message = page.locator('section.message');
      await message.locator('.tabs [data-key="text"]').click();
      expect((await message.locator('pre.body-text').textContent())?.startsWith(line)).toBe(true);
      await message.locator('.tabs [data-key="raw"]').click();
      expect(await message.locator('.raw-too-large').textContent()).toMatch(/^\d\.\d MB is too large to show here: download it\.$/);
      expect(await message.locator('pre.raw').count()).toBe(0);
      const href = await message.locator('a.download').getAttribute('href');
      const raw = Buffer.from(await (await fetch(url + href)).arrayBuffer());
      const [stored] = await mx.messages.list();
      expect(raw.equals(stored!.raw)).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
