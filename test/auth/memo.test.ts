/**
 * Remembered authentication answers must be the answers mailauth would give afresh: for a
 * seeded stream of unsigned messages drawn from a few senders, From and Return-Path lines,
 * client addresses and HELO names (other fields varying freely), every remembered answer
 * equals a fresh check of that very message. Zones do not share answers.
 */
import { describe, expect, it } from 'vitest';
import { checkMessage, checkPtr, checkSpf, unsignedHeaderSection } from '../../src/auth/check.js';
import { authChecks } from '../../src/auth/memo.js';
import { buildZone, zoneResolver } from '../../src/auth/zone.js';
import { seededRandom } from '../../src/engine/random.js';

const table = {
  'example.com': { TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
  '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject'] },
  'other.example': { TXT: ['v=spf1 ip4:198.51.100.0/24 ~all'] },
  '_dmarc.other.example': { TXT: ['v=DMARC1; p=quarantine; aspf=s'] },
  '1.2.0.192.in-addr.arpa': { PTR: ['mail.example.com'] },
  'mail.example.com': { A: ['192.0.2.1'] },
};

const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const FROMS = ['From: Alice <alice@example.com>', 'From: bob@other.example', 'FROM : "x" <x@sub.example.com>', 'From: a@example.com,\r\n b@other.example', 'From: nobody'];
const RETURN_PATHS = ['', 'Return-Path: <bounce@other.example>', 'Return-Path: <>'];
const SENDERS = ['alice@example.com', 'bob@other.example', ''];
const IPS = ['192.0.2.1', '198.51.100.7', '203.0.113.9'];
const HELOS = ['mail.example.com', 'client.test'];

describe('authChecks', () => {
  it('remembered message answers equal fresh ones, over 300 seeded unsigned messages', async () => {
    const zone = buildZone(table);
    const checks = authChecks(zone);
    const resolver = zoneResolver(zone);
    const random = seededRandom(11);
    const keys = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const from = pick(random, FROMS);
      const returnPath = pick(random, RETURN_PATHS);
      const fields = [returnPath, `Received: from h${i} by mx`, from, `Subject: message ${i}`, `Message-ID: <${i}@x>`].filter(Boolean);
      const raw = Buffer.from(`${fields.join('\r\n')}\r\n\r\nbody ${i}\r\n`);
      const section = unsignedHeaderSection(raw, true)!;
      const envelope = { sender: pick(random, SENDERS), ip: pick(random, IPS), helo: pick(random, HELOS), mta: 'mx.test' };
      keys.add(JSON.stringify([from, returnPath, envelope]));
      const remembered = await checks.unsignedMessage(section, envelope);
      const fresh = await checkMessage({ ...envelope, message: raw, resolver });
      expect(remembered, `message ${i}`).toEqual(fresh);
    }
    expect(keys.size).toBeLessThan(300); // answers were really reused
  });

  it('remembered SPF and PTR answers equal fresh ones', async () => {
    const zone = buildZone(table);
    const checks = authChecks(zone);
    const resolver = zoneResolver(zone);
    for (const ip of [...IPS, '::ffff:192.0.2.1', '2001:db8::1']) {
      expect(await checks.ptr(ip)).toEqual(await checkPtr(ip, resolver));
      for (const sender of SENDERS) {
        for (const helo of HELOS) {
          const input = { sender, ip, helo, mta: 'mx.test' };
          expect(await checks.spf(input)).toEqual(await checkSpf({ ...input, resolver }));
          expect(await checks.spf(input)).toEqual(await checkSpf({ ...input, resolver }));
        }
      }
    }
  });

  it('each zone has its own answers', async () => {
    const passing = authChecks(buildZone(table));
    const failing = authChecks(buildZone({ ...table, 'example.com': { TXT: ['v=spf1 -all'] } }));
    const input = { sender: 'alice@example.com', ip: '192.0.2.1', helo: 'mail.example.com', mta: 'mx.test' };
    expect((await passing.spf(input)).result).toBe('pass');
    expect((await failing.spf(input)).result).toBe('fail');
    expect(authChecks(buildZone(table))).not.toBe(passing);
  });
});
