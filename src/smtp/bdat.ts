/**
 * CHUNKING (RFC 3030): one session's BDAT transactions. Each chunk's octets are read whole
 * (ChunkStream), then answered: out of sequence → 503, past the size limit → 552 5.3.4, else
 * the rules decide at stage `data` with the chunk as a fact (number, size, LAST, octets so
 * far). Accepted octets stream into one message body (spooled when large); after LAST the
 * message goes down the same path as after DATA's final dot (hooks.ts messageReceived:
 * record, size, checks, authentication, decision, store). A refused chunk ends the
 * transaction: RFC 3030 §2 has the client give it up, and later chunks meet 503.
 */
import { PassThrough } from 'node:stream';
import type { EventName } from '../engine/events.js';
import type { ChunkFacts } from '../engine/facts.js';
import { isPositive, type Reply } from '../engine/reply.js';
import { receiveBody, type Received } from '../spool/body.js';
import { parseBdat, type BdatArgs } from './bdat-args.js';
import { ChunkStream, type OctetSink } from './chunk-stream.js';
import type { MockConnection } from './connection.js';
import { messageReceived } from './hooks.js';
import { whenDrained } from '../util/drained.js';

const reply = (code: number, enhanced: string, text: string): Reply => Object.freeze({ code, enhanced, lines: Object.freeze([text]), close: false });

/**
 * How mockmx words the refusals it raises here when neither a rule nor the scenario's
 * `replies:` table does (smtp-server has no BDAT, so no wording of its own).
 */
const FALLBACK: Readonly<Partial<Record<EventName, Reply>>> = Object.freeze({
  'bdat-syntax': reply(501, '5.5.4', 'Syntax: BDAT <chunk-size> [LAST]'),
  'mail-first': reply(503, '5.5.1', 'Error: need MAIL command'),
  'rcpt-first': reply(503, '5.5.1', 'Error: need RCPT command'),
  'bad-sequence': reply(503, '5.5.1', 'Error: DATA cannot follow BDAT or BODY=BINARYMIME'),
});

const DEFAULT_CHUNK_TEXT = '{chunkSize} octets received';

interface Transaction {
  chunks: number;
  /** Octets accepted so far. */
  octets: number;
  /** Feeds the message body; ended after LAST, destroyed when the transaction fails. */
  readonly stream: PassThrough;
  readonly received: Promise<Received | undefined>;
}

export class BdatSession {
  private tx: Transaction | undefined;
  /** MAIL of this transaction said BODY=BINARYMIME. */
  private binary = false;

  constructor(private readonly c: MockConnection) {}

  /** MAIL: BODY=BINARYMIME (when advertised) becomes 8BITMIME for smtp-server, which knows no other; remembered here. */
  mailCommand(command: Buffer): Buffer {
    const server = this.c.rt.scenario().server;
    const line = command.toString('latin1');
    this.binary = server.binaryMime && /\sBODY=BINARYMIME(?=\s|$)/i.test(line);
    return this.binary ? Buffer.from(line.replace(/(\sBODY=)BINARYMIME(?=\s|$)/i, '$18BITMIME'), 'latin1') : command;
  }

  /** DATA is out of sequence once chunks came by BDAT, or when MAIL said BODY=BINARYMIME (RFC 3030 §3). */
  refusesData(): boolean {
    return this.binary || this.tx !== undefined;
  }

  /** The transaction is over (RSET, HELO/EHLO, STARTTLS, the end of a message, a closed connection). */
  reset(): void {
    const tx = this.tx;
    this.tx = undefined;
    this.binary = false;
    // the partial body goes, spool file included
    if (tx && !tx.stream.writableEnded) tx.stream.destroy(new Error('transaction reset'));
  }

  /** Writes `event`'s answer: a rule's or the scenario's wording, else mockmx's. */
  refuse(event: EventName): void {
    const answered = this.c.answerEvent(event);
    if (answered !== true) this.c.writeReply(FALLBACK[event] ?? reply(503, '5.5.1', 'Error: bad sequence of commands'), answered);
  }

  /** handler_BDAT: reads the chunk, then answers it; what follows it is parsed only after the answer. */
  command(command: Buffer, callback: () => void): void {
    const c = this.c;
    const args = parseBdat(command.toString('latin1').slice(4));
    const parser = c._parser;
    if (!args || !(parser instanceof ChunkStream)) {
      // no size, so the octets cannot be told from commands: the client has to resynchronise
      this.refuse('bdat-syntax');
      return callback();
    }
    const envelope = c.session.envelope;
    const refusal: EventName | undefined = !envelope.mailFrom ? 'mail-first' : envelope.rcptTo.length === 0 ? 'rcpt-first' : undefined;
    const tx = refusal ? undefined : (this.tx ??= open(c));
    const limit = c.rt.scenario().server.size;
    const received = (tx?.octets ?? 0) + args.size;
    // the SIZE limit holds across chunks: an oversized chunk is read and dropped, not kept
    const over = tx !== undefined && limit > 0 && received > limit;
    const number = tx ? ++tx.chunks : 0;
    const sink: OctetSink = {
      take: (octets) => (tx && !over ? feed(tx.stream, octets) : undefined),
      end: () => {
        // the client waits for us now: no idle timeout while the chunk is decided
        c._handlerPending = true;
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          c._handlerPending = false;
          parser.resume();
        };
        try {
          if (refusal) {
            this.refuse(refusal);
            return finish();
          }
          if (over) {
            c.answering.messageValues = { size: String(received) };
            this.refuse('message-too-big');
            this.endTransaction(false);
            return finish();
          }
          this.decide(tx!, args, { number, size: args.size, last: args.last, received }, finish);
        } catch (err) {
          c.rt.reportError(err, 'BDAT');
          this.endTransaction(false);
          finish();
        }
      },
    };
    parser.readOctets(args.size, sink);
    callback();
  }

  /** The rules answer the chunk at stage data; after LAST the message is decided as after DATA. */
  private decide(tx: Transaction, args: BdatArgs, chunk: ChunkFacts, finish: () => void): void {
    const c = this.c;
    tx.octets = chunk.received;
    c.answering.messageValues = { chunkSize: String(chunk.size), size: String(chunk.received) };
    const arg = `${args.size}${args.last ? ' LAST' : ''}`;
    const accepted = (rule?: string) => {
      if (!chunk.last) {
        c.writeReply(this.chunkReply(), rule);
        return finish();
      }
      this.whole(tx, finish);
    };
    c.answer('data', () => c.facts('data', { command: { verb: 'BDAT', arg, line: `BDAT ${arg}` }, chunk }), {
      normal: () => accepted(),
      accept: (rule) => accepted(rule),
      reply: (r, rule) => {
        // a positive reply stands for the chunk; for LAST the message's own answer follows
        if (isPositive(r) && chunk.last) return accepted(rule);
        c.writeReply(r, rule);
        if (!isPositive(r)) this.endTransaction(false);
        finish();
      },
    });
  }

  /** After LAST: the message goes the way of DATA's (hooks.ts), its answer replacing ours as it replaces smtp-server's. */
  private whole(tx: Transaction, finish: () => void): void {
    const c = this.c;
    tx.stream.end();
    tx.received.then((received) => {
      if (c._closed) return;
      if (!received) {
        // the spool could not take the body (the client is still there): nothing was kept
        c.writeReply(reply(451, '4.3.0', 'Temporary local problem storing the message; try again later'), 'error');
        this.endTransaction(false);
        return finish();
      }
      messageReceived(c, received, (err) => {
        c.guard('BDAT LAST', () => c.send(err ? ((err as { responseCode?: number }).responseCode ?? 451) : 250, err ? err.message : 'OK'));
        this.endTransaction(true);
        finish();
      });
    }, () => undefined);
  }

  /** As smtp-server ends a DATA transaction: counted when a message was answered, then a fresh envelope. */
  private endTransaction(message: boolean): void {
    const c = this.c;
    if (message) {
      c._transactionCounter++;
      c._unrecognizedCommands = 0;
    }
    c._resetSession();
  }

  private chunkReply(): Reply {
    return reply(250, '2.0.0', this.c.rt.scenario().server.chunkReply || DEFAULT_CHUNK_TEXT);
  }
}

function open(c: MockConnection): Transaction {
  const stream = new PassThrough();
  // BDAT data is not dot-stuffed: the octets are the message, unchanged
  const received = receiveBody(stream, { limit: 0, spool: c.rt.spool }).catch(() => undefined);
  return { chunks: 0, octets: 0, stream, received };
}

/** Writes octets to the body; a promise while it is full, so the socket is not read faster than the spool is written. */
function feed(stream: PassThrough, octets: Buffer): Promise<void> | undefined {
  if (stream.destroyed || stream.write(octets)) return undefined;
  return new Promise((resolve) => whenDrained(stream, resolve));
}
