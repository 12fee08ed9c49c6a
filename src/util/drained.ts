import type { Writable } from 'node:stream';

/** Calls `then` once a full stream drains, or closes instead (a destroyed stream never drains). */
export function whenDrained(stream: Writable, then: () => void): void {
  const done = () => {
    stream.off('drain', done);
    stream.off('close', done);
    then();
  };
  stream.once('drain', done);
  stream.once('close', done);
}
