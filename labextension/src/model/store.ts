/**
 * The chat model: holds the current {@link ChatState} and tells listeners when it changed, with
 * the state before, so that a view re-renders only what changed (compare the parts by identity).
 */
import type { ServerFrame } from '../protocol';
import { Disposable, Emitter } from '../transport';
import { reduce } from './reducer';
import { ChatState, initialState } from './state';

/** Why the state changed: `token` for streamed text (a view may batch those renders). */
export type ChangeKind = 'token' | 'other';

export class ChatStore {
  private _state: ChatState;
  private changed = new Emitter<[ChatState, ChatState, ChangeKind]>();

  constructor(state: ChatState = initialState()) {
    this._state = state;
  }

  get state(): ChatState {
    return this._state;
  }

  /** Apply a server frame. */
  dispatch(frame: ServerFrame): void {
    this.update(s => reduce(s, frame), frame.type === 'token' ? 'token' : 'other');
  }

  /** Apply a change (a function of ./actions.ts); listeners hear of it unless nothing changed. */
  update(change: (state: ChatState) => ChatState, kind: ChangeKind = 'other'): void {
    const prev = this._state;
    const next = change(prev);
    if (next !== prev) {
      this._state = next;
      this.changed.emit(next, prev, kind);
    }
  }

  onChange(cb: (state: ChatState, prev: ChatState, kind: ChangeKind) => void): Disposable {
    return this.changed.on(cb);
  }

  dispose(): void {
    this.changed.clear();
  }
}
