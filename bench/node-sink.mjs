// A bare smtp-server sink (the project's own node_modules/smtp-server): accepts any sender,
// recipient and AUTH, discards DATA. The same sink as ../shared/bench/peers.sh's node-sink.
//
//   node bench/node-sink.mjs [--no-greeting-delay]
//
// Listens on 127.0.0.1, port 0 (a free one), and prints "node-sink listening on 127.0.0.1:PORT".
// --no-greeting-delay removes smtp-server's fixed 100 ms pause before the 220 greeting (as
// mockmx does), so one message per connection is not capped at sessions / 0.1 s.
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

if (process.argv.includes('--no-greeting-delay')) {
  SMTPConnection.prototype.init = function init() {
    this._setListeners(() => this.connectionReady());
  };
}

const server = new SMTPServer({
  logger: false,
  disableReverseLookup: true, // no rDNS lookup per connection
  authOptional: true,
  allowInsecureAuth: true,
  size: 200 * 1024 * 1024,
  onAuth(auth, _session, cb) {
    cb(null, { user: auth.username });
  },
  onData(stream, _session, cb) {
    stream.on('end', () => cb(null, 'OK discarded'));
    stream.resume();
  },
});
server.on('error', (err) => console.error('node-sink error:', err.message));
server.listen(0, '127.0.0.1', () => {
  const { address, port } = server.server.address();
  console.log(`node-sink listening on ${address}:${port}`);
});
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
