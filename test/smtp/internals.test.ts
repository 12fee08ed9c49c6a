/**
 * The adapter relies on smtp-server internals (see src/smtp/connection.ts). This test fails
 * loudly when an upgrade changes them, before anything subtler breaks.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

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
    'handler_STARTTLS',
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

  it('a truthy _closeTimeout still makes every command answer 421 (graceful shutdown)', () => {
    expect(source).toMatch(/if \(this\._server\._closeTimeout\) \{\s*return this\.send\(421/);
  });
});
