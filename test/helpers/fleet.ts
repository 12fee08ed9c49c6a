/**
 * Small clients for tests of several instances on one Redis: a whole SMTP message, polling
 * with a deadline, and reading an event stream until something shows.
 */
import { Telnet } from './telnet.js';

/** A whole message; resolves with the reply to the final dot (or to the first refused command). */
export async function sendMessage(port: number, to: string, body = 'hello'): Promise<string> {
  const t = await Telnet.connect(port);
  try {
    await t.reply();
    await t.cmd('EHLO client.test');
    await t.cmd('MAIL FROM:<alice@client.test>');
    const r = await t.cmd(`RCPT TO:<${to}>`);
    if (r.code >= 400) return r.lines[0]!;
    await t.cmd('DATA');
    return (await t.cmd(`Subject: to ${to}\r\n\r\n${body}\r\n.`)).lines[0]!;
  } finally {
    t.close();
  }
}

/** Polls `attempt` until `ok` holds for its result, or fails after the deadline with the last result. */
export async function until<T>(attempt: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 15_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await attempt();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Reads an open event stream (a fetch response) until `pattern` matches what came, then stops
 * reading; resolves with the text read. Fails if the stream ends first.
 */
export async function readUntil(stream: Response, pattern: RegExp): Promise<string> {
  const reader = stream.body!.getReader();
  let seen = '';
  try {
    while (!pattern.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the event stream ended before ${pattern}: ${seen}`);
      seen += Buffer.from(value).toString();
    }
    return seen;
  } finally {
    await reader.cancel();
  }
}
