import type { ClientFrame, ServerFrame } from './protocol';
import { ConnectionState, Disposable, Emitter, Transport } from './transport';

export interface WebSocketTransportOptions {
  /** Full ws(s):// URL of the endpoint, token included when needed. */
  url: string;
  /** Factory for tests / custom sockets. */
  makeSocket?: (url: string) => WebSocket;
  pingIntervalMs?: number;
}

/** Websocket transport with automatic reconnect (exponential backoff, capped at 10 s). */
export class WebSocketTransport implements Transport {
  private socket: WebSocket | null = null;
  private frames = new Emitter<[ServerFrame]>();
  private states = new Emitter<[ConnectionState, string | undefined]>();
  private _state: ConnectionState = 'connecting';
  private retryMs = 500;
  private retryTimer: number | undefined;
  private pingTimer: number | undefined;
  private disposed = false;

  constructor(private options: WebSocketTransportOptions) {
    this.open();
  }

  get state(): ConnectionState {
    return this._state;
  }

  send(frame: ClientFrame): void {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      throw new Error('not connected to the chat server');
    }
    this.socket.send(JSON.stringify(frame));
  }

  onFrame(cb: (frame: ServerFrame) => void): Disposable {
    return this.frames.on(cb);
  }

  onState(cb: (state: ConnectionState, detail?: string) => void): Disposable {
    return this.states.on(cb);
  }

  reconnect(): void {
    if (this.disposed) {
      return;
    }
    window.clearTimeout(this.retryTimer);
    this.retryMs = 500;
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      return;
    }
    this.open();
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.pingTimer);
    this.socket?.close();
    this.socket = null;
    this.frames.clear();
    this.states.clear();
  }

  private setState(state: ConnectionState, detail?: string): void {
    this._state = state;
    this.states.emit(state, detail);
  }

  private open(): void {
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close();
    }
    this.setState('connecting');
    const make = this.options.makeSocket ?? ((url: string) => new WebSocket(url));
    let socket: WebSocket;
    try {
      socket = make(this.options.url);
    } catch (err) {
      this.scheduleRetry(String(err));
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.setState('open');
      window.clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => {
        try {
          this.send({ type: 'ping' });
        } catch {
          /* reconnect handles it */
        }
      }, this.options.pingIntervalMs ?? 30000);
    };
    socket.onmessage = ev => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(typeof ev.data === 'string' ? ev.data : '') as ServerFrame;
      } catch {
        console.warn('mcpchat: ignoring a non-JSON frame');
        return;
      }
      this.frames.emit(frame);
    };
    socket.onclose = ev => {
      window.clearInterval(this.pingTimer);
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      const reason = ev.reason || (ev.code === 1006 ? 'connection lost' : `closed (${ev.code})`);
      this.scheduleRetry(reason);
    };
  }

  private scheduleRetry(detail: string): void {
    if (this.disposed) {
      return;
    }
    this.setState('closed', detail);
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10000);
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.open(), delay);
  }
}
