import type { ClientFrame, ServerFrame } from './protocol';
import { ConnectionState, Disposable, Emitter, Transport } from './transport';

/** The part of the anywidget model the transport needs. */
export interface CustomMessageModel {
  send(content: unknown): void;
  on(event: string, cb: (...args: any[]) => void): void;
  off(event?: string | null, cb?: ((...args: any[]) => void) | null): void;
}

/**
 * anywidget comm transport: frames travel as custom messages (`model.send` /
 * `msg:custom`). The kernel answers the `hello` handshake with `welcome`.
 */
export class WidgetTransport implements Transport {
  private frames = new Emitter<[ServerFrame]>();
  private states = new Emitter<[ConnectionState, string | undefined]>();
  private _state: ConnectionState = 'connecting';
  private handler = (content: unknown) => {
    if (!content || typeof content !== 'object') {
      return;
    }
    const frame = content as ServerFrame;
    if (frame.type === 'welcome' && this._state !== 'open') {
      this._state = 'open';
      this.states.emit('open', undefined);
    }
    this.frames.emit(frame);
  };

  constructor(private model: CustomMessageModel) {
    model.on('msg:custom', this.handler);
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Ask the kernel for `welcome` (sent when a view renders). */
  hello(): void {
    this.model.send({ type: 'hello' });
  }

  send(frame: ClientFrame): void {
    this.model.send(frame);
  }

  onFrame(cb: (frame: ServerFrame) => void): Disposable {
    return this.frames.on(cb);
  }

  onState(cb: (state: ConnectionState, detail?: string) => void): Disposable {
    return this.states.on(cb);
  }

  reconnect(): void {
    this.hello();
  }

  dispose(): void {
    this.model.off('msg:custom', this.handler);
    this.frames.clear();
    this.states.clear();
  }
}
