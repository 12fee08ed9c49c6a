/**
 * The adapter relies on smtp-server internals (see src/smtp/connection.ts). This test fails
 * loudly when an upgrade changes them, before anything subtler breaks.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';

const require = createRequire(import.meta.url);
const ours = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
const installed = JSON.parse(readFileSync(require.resolve('smtp-server/package.json'), 'utf8')) as { version: string };
const source = readFileSync(new URL('../../node_modules/smtp-server/dist/esm/smtp-connection.js', import.meta.url), 'utf8');

describe('smtp-server internals the adapter depends on', () => {
  it('is pinned to an exact version, and that version is installed', () => {
    expect(ours.dependencies['smtp-server']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed.version).toBe(ours.dependencies['smtp-server']);
  });

  it.each([
    'init',
    'connectionReady',
    'send',
    '_sendGreeting',
    '_setListeners',
    '_onCommand',
    '_onClose',
    '_whenWritable',
    '_isSupported',
    '_getEnhancedStatusCode',
    '_redactCredentials',
    'close',
    'handler_HELP',
    'handler_EHLO',
    'handler_DATA',
    'handler_MAIL',
    'handler_STARTTLS',
    '_createParser',
    '_resetSession',
  ])('SMTPConnection.prototype.%s exists', (name) => {
    expect(typeof (SMTPConnection.prototype as unknown as Record<string, unknown>)[name]).toBe('function');
  });

  it('SMTPServer._handleProxy still only names the connection unless a PROXY header is expected', () => {
    const proxy = SMTPServer.prototype._handleProxy.toString();
    expect(proxy).toMatch(/if \(!this\._expectsProxyHeader\(socket\)\) \{\s*socketOptions\.ignore = [^;]+;\s*setImmediate\(\(\) => callback\(null, socketOptions\)\);\s*return;/);
    expect(typeof SMTPServer.prototype._expectsProxyHeader).toBe('function');
  });

  it('SMTPServer.connect builds the connection, so a subclass can swap it', () => {
    expect(SMTPServer.prototype.connect.toString()).toMatch(/new SMTPConnection\(this, socket, socketOptions\)[\s\S]*connection\.init\(\)/);
  });

  it('the state fields the adapter reads and writes are still there', () => {
    for (const field of ['this._handlerPending', 'this._ready', 'this._upgrading', 'this._nextHandler', 'this._closing', 'this._dataStream', 'this._server._closeTimeout', 'this.hostNameAppearsAs', 'this.openingCommand', 'this._transactionCounter']) {
      expect(source, field).toContain(field);
    }
  });

  it('the idle timeout still pauses while a handler is pending (tarpits rely on it)', () => {
    expect(source).toMatch(/if \(this\._handlerPending \|\| \(this\._dataStream && this\._parser && !this\._parser\._dataMode\)\) \{\s*this\._armTimeout\(\);/);
  });

  it('init still has the 100 ms pre-greeting pause that MockConnection.init removes', () => {
    expect(SMTPConnection.prototype.init.toString()).toMatch(/setTimeout\(\(\) => this\.connectionReady\(\), 100\)/);
  });

  it('hook errors still go through send(responseCode, message) so a pending rule reply can replace them', () => {
    expect(source).toContain('this.send(err.responseCode || 550, err.message);');
    expect(source).toContain('this._refuse(err, false)');
  });

  describe('what BDAT (src/smtp/chunk-stream.ts, bdat.ts, chunking-connection.ts) relies on', () => {
    it('_createParser is still the one ChunkingConnection re-implements with a ChunkStream', () => {
      const body = SMTPConnection.prototype._createParser.toString();
      expect(body).toMatch(/new SMTPStream\(\{\s*maxCommandLength: this\._server\.options\.maxCommandLength\s*\}\)/);
      expect(body).toMatch(/parser\.oncommand = \(command, callback\) => this\._onCommand\(command, callback\)/);
      expect(body).toMatch(/parser\.on\('error', err => \{[\s\S]*this\.send\(421, 'Error: ' \+ err\.message\)/);
      // and the STARTTLS upgrade still makes its new parser through it
      expect(source).toContain('this._parser = this._createParser();');
    });

    it('the parser’s line loop hands the rest of its input to _write once _dataMode is set', () => {
      const write = SMTPStream.prototype._write.toString();
      expect(write).toMatch(/if \(this\._dataMode\) \{\s*let buf = Buffer\.from\(data\.slice\(pos\), 'binary'\);\s*this\._remainder = '';\s*return this\._write\(buf, 'buffer', done\);/);
      expect(write).toMatch(/if \(!chunk \|\| !chunk\.length\) \{\s*return next\(\);/);
      expect(write).toMatch(/if \(this\.isClosed\) \{\s*return done\(\);/);
    });

    it('_feedDataStream is still the one ChunkStream re-implements (data-stream.test.ts compares the two on random input)', () => {
      // any change to smtp-server's message data reader must be read and carried over before this is updated
      const feed = SMTPStream.prototype._feedDataStream.toString();
      expect(createHash('sha256').update(feed).digest('hex')).toBe('9d8b903f9a3a63542d72e19a9e2f67009a3b1107a28d57e8e7369355454ff230');
      for (const used of ['_lastBytes', '_atDataStart', '_countDataBytes', '_endDataMode', '_dataStream']) expect(SMTPStream.prototype._write.toString() + feed, used).toContain(used);
    });

    it('a handler_* method makes a verb supported unless it is a disabled command', () => {
      expect(SMTPConnection.prototype._getHandler.toString()).toContain("return this['handler_' + command];");
      expect(SMTPConnection.prototype._isSupported.toString()).toMatch(/!this\._isDisabled\(command\) && typeof this\._getHandler\(command\) === 'function'/);
    });

    it('MAIL still takes BODY=7BIT/8BITMIME only (BINARYMIME is rewritten before it) and DATA ends a transaction as bdat.ts mirrors', () => {
      expect(source).toContain("if (bodyType !== '7bit' && bodyType !== '8bitmime') {");
      expect(source).toMatch(/this\._transactionCounter\+\+;\s*this\._unrecognizedCommands = 0;[^\n]*\n\s*this\._resetSession\(\);/);
      expect(source).toContain('this._resetSession(); // reset session state');
    });
  });

  it('a truthy _closeTimeout still makes every command answer 421 (graceful shutdown)', () => {
    expect(source).toMatch(/if \(this\._server\._closeTimeout\) \{\s*return this\.send\(421/);
  });
});
