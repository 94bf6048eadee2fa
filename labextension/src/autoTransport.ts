/**
 * The notebook widget's transport: the Jupyter server's chat websocket when the page can reach it
 * (the widget shows inside JupyterLab or Notebook 7 with the server extension), else the kernel
 * comm (VS Code, Colab, a server without the extension).
 *
 * Over the websocket the widget is one more client of the server's engine, like the side panel:
 * one engine, one Fanout, so a turn made in the widget shows live in the panel open on the same
 * chat and the other way round. Over the comm the kernel runs its own engine on the same SQLite
 * files (the panel sees those turns only when it loads the chat again).
 *
 * The websocket is taken only when its `welcome` names the widget's user: another user's server
 * (a shared page, a hub admin viewing a notebook) never serves the widget.
 */
import type { ClientFrame, ServerFrame } from './protocol';
import { ConnectionState, Disposable, Emitter, Transport } from './transport';

/** Which engine serves the widget: not decided yet, the Jupyter server's, or the kernel's. */
export type TransportMode = 'probing' | 'server' | 'kernel';

export interface AutoTransportOptions {
  /** The websocket to the server's engine, or null when the page has no Jupyter server config. */
  server: Transport | null;
  /** The kernel comm; `hello` asks the kernel for `welcome`. */
  kernel: Transport & { hello(): void };
  /** The widget's user (the kernel's): the server must say `welcome` to the same user. */
  user: string;
  /** How long to wait for the server's `welcome` before using the kernel. */
  probeMs?: number;
  /** Called once the mode is decided. */
  onMode?(mode: TransportMode, why: string): void;
}

interface PageConfig {
  baseUrl?: string;
  wsUrl?: string;
  token?: string;
}

/** The chat websocket URL of the Jupyter server serving this page, or null (no server config). */
export function serverSocketUrl(doc: Document = document, loc: Location = window.location): string | null {
  const el = doc.getElementById('jupyter-config-data');
  if (!el?.textContent) {
    return null;
  }
  let config: PageConfig;
  try {
    config = JSON.parse(el.textContent) as PageConfig;
  } catch {
    return null;
  }
  const base = (config.baseUrl || '/').replace(/\/?$/, '/');
  const origin = config.wsUrl ? config.wsUrl.replace(/\/?$/, '/') : `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${base}`;
  const url = `${origin}mcpchat/ws`;
  return config.token ? `${url}?token=${encodeURIComponent(config.token)}` : url;
}

export class AutoTransport implements Transport {
  private frames = new Emitter<[ServerFrame]>();
  private states = new Emitter<[ConnectionState, string | undefined]>();
  private _mode: TransportMode = 'probing';
  private chosen: Transport | null = null;
  private subs: Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private opts: AutoTransportOptions) {
    const server = opts.server;
    if (!server) {
      this.useKernel('no Jupyter server on this page');
      return;
    }
    this.subs.push(
      server.onFrame(frame => {
        if (this._mode !== 'probing') {
          return;
        }
        if (frame.type !== 'welcome') {
          return; // nothing else comes before welcome
        }
        if (opts.user && frame.user !== opts.user) {
          this.useKernel(`the Jupyter server serves ${frame.user}, not ${opts.user}`);
        } else {
          this.useServer(frame);
        }
      }),
      server.onState((state, detail) => {
        if (this._mode === 'probing' && state === 'closed') {
          this.useKernel(`the Jupyter server's chat socket is not reachable (${detail ?? 'closed'})`);
        }
      })
    );
    this.timer = setTimeout(() => {
      if (this._mode === 'probing') {
        this.useKernel("the Jupyter server's chat socket did not answer");
      }
    }, opts.probeMs ?? 5000);
  }

  get mode(): TransportMode {
    return this._mode;
  }

  get state(): ConnectionState {
    return this.chosen?.state === 'open' && this._mode !== 'probing' ? 'open' : (this.chosen?.state ?? 'connecting');
  }

  send(frame: ClientFrame): void {
    if (!this.chosen) {
      throw new Error('not connected to the chat engine yet');
    }
    this.chosen.send(frame);
  }

  onFrame(cb: (frame: ServerFrame) => void): Disposable {
    return this.frames.on(cb);
  }

  onState(cb: (state: ConnectionState, detail?: string) => void): Disposable {
    return this.states.on(cb);
  }

  reconnect(): void {
    this.chosen?.reconnect();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subs.forEach(s => s.dispose());
    this.opts.server?.dispose();
    this.opts.kernel.dispose();
    this.frames.clear();
    this.states.clear();
  }

  private decide(mode: TransportMode, why: string): void {
    clearTimeout(this.timer);
    this.subs.forEach(s => s.dispose());
    this.subs = [];
    this._mode = mode;
    this.opts.onMode?.(mode, why);
  }

  private forward(t: Transport): void {
    this.chosen = t;
    this.subs.push(
      t.onFrame(frame => this.frames.emit(frame)),
      t.onState((state, detail) => this.states.emit(state, detail))
    );
  }

  private useServer(welcome: ServerFrame): void {
    this.decide('server', 'the Jupyter server serves this user');
    this.forward(this.opts.server!);
    this.states.emit('open', undefined);
    this.frames.emit(welcome);
  }

  private useKernel(why: string): void {
    this.decide('kernel', why);
    this.opts.server?.dispose();
    this.forward(this.opts.kernel);
    this.opts.kernel.hello();
  }
}
