/**
 * An smtp-server SMTPServer whose connections are MockConnections and whose hooks hand each
 * stage to the connection's rule handling. Options that come from the scenario are applied
 * here, so switching scenario at run time reaches new sessions.
 */
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import type { CompiledScenario } from '../engine/scenario.js';
import { ChunkingConnection } from './chunking-connection.js';
import type { MockConnection } from './connection.js';
import { onAuthStage, onConnectStage, onMailStage, onMessageStage, onRcptStage } from './hooks.js';
import type { SmtpRuntime } from './runtime.js';

export interface ListenerOptions {
  readonly name: 'smtp' | 'smtps';
  /** Implicit TLS from the first byte (SMTPS). */
  readonly secure: boolean;
  readonly key: string;
  readonly cert: string;
  /** Shared across listeners so every session gets its own seeded random stream. */
  readonly sessionCounter: { next(): number };
}

/** Commands smtp-server answers with jokes (WIZ, SHELL, KILL) or proxies use: here they are unknown verbs. */
const ALWAYS_DISABLED = ['WIZ', 'SHELL', 'KILL', 'XCLIENT', 'XFORWARD'];

export class MockSmtpServer extends SMTPServer {
  readonly runtime: SmtpRuntime;
  readonly listenerName: 'smtp' | 'smtps';
  private readonly counter: { next(): number };
  private readonly bySession = new WeakMap<SMTPServerSession, MockConnection>();
  /** Connections whose sockets have not closed yet (smtp-server's own set drops them at close()). */
  private readonly live = new Set<MockConnection>();
  private accepted = 0;

  constructor(runtime: SmtpRuntime, listener: ListenerOptions) {
    const options: SMTPServerOptions = {
      secure: listener.secure,
      key: listener.key,
      cert: listener.cert,
      logger: false,
      disableReverseLookup: true,
      hideENHANCEDSTATUSCODES: false,
      authRequiredMessage: 'Authentication required',
    };
    applyScenario(options, runtime.scenario());
    super(options);
    this.runtime = runtime;
    this.listenerName = listener.name;
    this.counter = listener.sessionCounter;
    // a connection error re-emitted here would crash the process without a listener
    const seen = new WeakSet<Error>();
    this.on('error', (err: Error & { code?: string; report?: boolean }) => {
      // smtp-server forwards one failed handshake through two listeners; say it once
      if (seen.has(err)) return;
      seen.add(err);
      if (isClientFault(err)) return;
      runtime.reportError(err, `${listener.name} listener`);
    });
  }

  nextSessionIndex(): number {
    return this.counter.next();
  }

  register(connection: MockConnection): void {
    this.bySession.set(connection.session, connection);
    this.live.add(connection);
  }

  /** Called when a connection's socket has closed and its transcript has ended. */
  forget(connection: MockConnection): void {
    this.live.delete(connection);
  }

  /**
   * smtp-server names every connection from 10 bytes of crypto randomness (~10 µs, a few percent
   * of a short session); nothing of mockmx reads that name, so a counter does, unless a PROXY
   * header is expected (never, as configured: smtp-server's own path then).
   */
  override _handleProxy(socket: Socket, callback: Parameters<SMTPServer['_handleProxy']>[1]): void {
    if (this._expectsProxyHeader(socket)) return super._handleProxy(socket, callback);
    const id = `${this.listenerName}-${(++this.accepted).toString(36)}`;
    setImmediate(() => callback(null, { id, ignore: false }));
  }

  override connect(socket: Socket | TLSSocket, socketOptions?: ConstructorParameters<typeof MockConnection>[2]): void {
    const connection = new ChunkingConnection(this, socket, socketOptions);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }

  /** Re-reads the scenario's server settings (after a switch); sessions already open keep theirs. */
  useScenario(scenario: CompiledScenario): void {
    applyScenario(this.options as SMTPServerOptions, scenario);
  }

  override onConnect(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const c = this.bySession.get(session);
    if (c) onConnectStage(c, cb);
    else cb();
  }

  override onSecure(socket: Socket | TLSSocket, session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    this.bySession.get(session)?.onSecured(socket as TLSSocket);
    cb();
  }

  override onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const c = this.bySession.get(session);
    if (c) onMailStage(c, address, cb);
    else cb();
  }

  override onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const c = this.bySession.get(session);
    if (c) onRcptStage(c, address, cb);
    else cb();
  }

  override onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    cb: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): void {
    const c = this.bySession.get(session);
    if (c) onAuthStage(c, auth, cb);
    else cb(null, {});
  }

  override onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const c = this.bySession.get(session);
    if (c) onMessageStage(c, stream, cb);
    else stream.resume().on('end', () => cb());
  }

  listenOn(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops listening; idle sessions get a 421 now, busy ones when their current command is
   * answered (their next command meets smtp-server's shutting-down 421), and any left after
   * `graceMs` get a 421 then.
   */
  shutdown(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearInterval(poll);
        clearTimeout(deadline);
        resolve();
      };
      // a truthy _closeTimeout makes smtp-server answer every further command with 421
      const deadline = setTimeout(() => {
        for (const c of this.connections) {
          c.send(421, `${c.name} Service shutting down, closing connection`, false);
          c.close();
        }
        finish();
      }, graceMs);
      this._closeTimeout = deadline;
      this.server.close();
      for (const c of this.connections) (c as MockConnection).shutdown();
      // wait until every socket has closed and its transcript ended, not only until smtp-server let go
      const poll = setInterval(() => {
        if (this.connections.size === 0 && this.live.size === 0) finish();
      }, 20);
      if (this.connections.size === 0 && this.live.size === 0) finish();
    });
  }
}

const QUIET = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** Clients that vanish or speak broken TLS are part of the job, not server errors. */
function isClientFault(err: Error & { code?: string; report?: boolean }): boolean {
  return err.report === false || QUIET.has(err.code ?? '') || (err.code ?? '').startsWith('ERR_SSL_');
}

function applyScenario(options: SMTPServerOptions, scenario: CompiledScenario): void {
  const s = scenario.server;
  const disabled = [...ALWAYS_DISABLED];
  if (s.tls.starttls === 'off') disabled.push('STARTTLS');
  if (s.auth.mechanisms.length === 0) disabled.push('AUTH');
  // without CHUNKING, BDAT stays what it was: an unimplemented command
  if (!s.chunking) disabled.push('BDAT');
  Object.assign(options, {
    name: s.hostname,
    banner: s.banner,
    size: s.size || undefined,
    maxRecipients: s.maxRecipients,
    hideDSN: !s.dsn,
    maxClients: s.maxConnections || undefined,
    // smtp-server's own guard (10 commands before AUTH), only where AUTH is required
    maxAllowedUnauthenticatedCommands: s.auth.required ? 10 : false,
    socketTimeout: s.idleTimeoutMs,
    hideSTARTTLS: s.tls.starttls === 'off',
    disabledCommands: disabled,
    authMethods: s.auth.mechanisms.length ? [...s.auth.mechanisms] : ['PLAIN'],
    authOptional: !s.auth.required,
    allowInsecureAuth: s.auth.allowInsecure,
  });
}
