import type { ClientFrame, ServerFrame } from './protocol';

/** Connection state of a transport, shown in the UI. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface Disposable {
  dispose(): void;
}

/**
 * How the chat UI talks to the engine: a JupyterLab websocket or an anywidget comm.
 * `send` throws when the transport cannot deliver (not connected).
 */
export interface Transport {
  send(frame: ClientFrame): void;
  onFrame(cb: (frame: ServerFrame) => void): Disposable;
  onState(cb: (state: ConnectionState, detail?: string) => void): Disposable;
  readonly state: ConnectionState;
  /** Reconnect now (after a failure); a no-op where reconnecting makes no sense. */
  reconnect(): void;
  dispose(): void;
}

/** A tiny listener list. */
export class Emitter<T extends unknown[]> {
  private listeners = new Set<(...args: T) => void>();

  on(cb: (...args: T) => void): Disposable {
    this.listeners.add(cb);
    return { dispose: () => this.listeners.delete(cb) };
  }

  emit(...args: T): void {
    for (const cb of [...this.listeners]) {
      try {
        cb(...args);
      } catch (err) {
        console.error('mcpchat listener failed', err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
