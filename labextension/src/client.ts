import type {
  Attachment,
  CallFrame,
  ChatMessage,
  ClientFrame,
  Decision,
  ErrorCode,
  NonEmpty,
  RpcMethod,
  RpcParams,
  RpcResults,
  ServerFrame
} from './protocol';
import type { Transport } from './transport';

/** An `error` frame answering a call, as an exception. */
export class RpcError extends Error {
  constructor(
    public code: ErrorCode | 'disconnected' | 'timeout',
    message: string
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (value: any) => void;
  reject: (err: RpcError) => void;
  timer: number;
}

/** RPC calls and turn frames over any {@link Transport}. */
export class ChatClient {
  private seq = 0;
  private pending = new Map<string, Pending>();
  private prefix = Math.random().toString(36).slice(2, 8);

  constructor(
    public readonly transport: Transport,
    private timeoutMs = 60000
  ) {
    transport.onFrame(frame => this.route(frame));
    transport.onState(state => {
      if (state === 'closed') {
        this.failAll(new RpcError('disconnected', 'the connection to the chat server was lost'));
      }
    });
  }

  call<M extends RpcMethod>(method: M, params: RpcParams[M]): Promise<RpcResults[M]> {
    const id = `${this.prefix}-${++this.seq}`;
    return new Promise<RpcResults[M]>((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError('timeout', `${method} got no answer`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        // every RpcParams type is a JSON object; TypeScript just gives interfaces no index signature
        this.transport.send({ type: 'call', id, method, params: params as CallFrame['params'] });
      } catch (err) {
        window.clearTimeout(timer);
        this.pending.delete(id);
        reject(new RpcError('disconnected', (err as Error).message));
      }
    });
  }

  send(frame: ClientFrame): void {
    this.transport.send(frame);
  }

  sendMessage(chatId: string, text: string, attachments: Attachment[] = []): void {
    this.send(attachments.length ? { type: 'send', chat_id: chatId, text, attachments } : { type: 'send', chat_id: chatId, text });
  }

  decide(chatId: string, decisions: NonEmpty<Decision>): void {
    this.send({ type: 'decide', chat_id: chatId, decisions });
  }

  /** Cancel one running tool call of a chat (its card's Cancel); the turn goes on. */
  cancelCall(chatId: string, callId: string): void {
    this.send({ type: 'cancel_call', chat_id: chatId, call_id: callId });
  }

  stop(chatId: string): void {
    this.send({ type: 'stop', chat_id: chatId });
  }

  dispose(): void {
    this.failAll(new RpcError('disconnected', 'closed'));
    this.transport.dispose();
  }

  private failAll(err: RpcError): void {
    for (const [id, p] of this.pending) {
      window.clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  private route(frame: ServerFrame): void {
    if (frame.type === 'result' || (frame.type === 'error' && frame.id)) {
      const id = frame.id as string;
      const p = this.pending.get(id);
      if (!p) {
        return;
      }
      this.pending.delete(id);
      window.clearTimeout(p.timer);
      if (frame.type === 'result') {
        p.resolve(frame.result);
      } else {
        p.reject(new RpcError(frame.code, frame.message));
      }
    }
  }
}

export type { ChatMessage };
