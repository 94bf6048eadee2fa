import { afterEach, describe, expect, it, vi } from 'vitest';
import { AutoTransport, serverSocketUrl } from '../src/autoTransport';
import type { ClientFrame, ServerFrame } from '../src/protocol';
import { ConnectionState, Emitter, Transport } from '../src/transport';

class FakeTransport implements Transport {
  frames = new Emitter<[ServerFrame]>();
  states = new Emitter<[ConnectionState, string | undefined]>();
  state: ConnectionState = 'connecting';
  sent: ClientFrame[] = [];
  hellos = 0;
  disposed = false;
  send(frame: ClientFrame): void {
    this.sent.push(frame);
  }
  onFrame(cb: (f: ServerFrame) => void) {
    return this.frames.on(cb);
  }
  onState(cb: (s: ConnectionState, d?: string) => void) {
    return this.states.on(cb);
  }
  reconnect(): void {}
  dispose(): void {
    this.disposed = true;
  }
  hello(): void {
    this.hellos++;
  }
  welcome(user: string): void {
    this.state = 'open';
    this.frames.emit({ type: 'welcome', protocol: 1, user, model: { name: 'm', label: 'm', demo: true } } as ServerFrame);
  }
}

function setup(user = 'ada', probeMs = 1000) {
  const server = new FakeTransport();
  const kernel = new FakeTransport();
  const modes: string[] = [];
  const auto = new AutoTransport({ server, kernel, user, probeMs, onMode: m => modes.push(m) });
  const got: ServerFrame[] = [];
  const states: ConnectionState[] = [];
  auto.onFrame(f => got.push(f));
  auto.onState(s => states.push(s));
  return { server, kernel, auto, got, states, modes };
}

afterEach(() => vi.useRealTimers());

describe('AutoTransport', () => {
  it("uses the server's engine when its welcome names the widget's user", () => {
    const t = setup();
    t.server.welcome('ada');
    expect(t.auto.mode).toBe('server');
    expect(t.states).toEqual(['open']);
    expect(t.got.map(f => f.type)).toEqual(['welcome']);
    t.auto.send({ type: 'ping' });
    expect(t.server.sent).toEqual([{ type: 'ping' }]);
    expect(t.kernel.hellos).toBe(0); // the kernel's engine is never started
    t.server.states.emit('closed', 'lost'); // later drops are the server's, it reconnects itself
    expect(t.states).toEqual(['open', 'closed']);
    expect(t.auto.mode).toBe('server');
  });

  it("refuses a server that serves another user and uses the kernel", () => {
    const t = setup('ada');
    t.server.welcome('mallory');
    expect(t.auto.mode).toBe('kernel');
    expect(t.server.disposed).toBe(true);
    expect(t.kernel.hellos).toBe(1);
    expect(t.got).toEqual([]); // mallory's welcome never reaches the UI
    t.auto.send({ type: 'ping' });
    expect(t.kernel.sent).toEqual([{ type: 'ping' }]);
    expect(t.server.sent).toEqual([]);
    t.server.welcome('ada'); // nothing more from the refused socket
    expect(t.got).toEqual([]);
  });

  it('falls back to the kernel when the socket closes before a welcome', () => {
    const t = setup();
    t.server.states.emit('closed', 'connection lost');
    expect(t.auto.mode).toBe('kernel');
    expect(t.kernel.hellos).toBe(1);
    t.kernel.welcome('ada');
    expect(t.got.map(f => f.type)).toEqual(['welcome']);
  });

  it('falls back to the kernel when the server does not answer in time', () => {
    vi.useFakeTimers();
    const t = setup('ada', 500);
    expect(t.auto.mode).toBe('probing');
    expect(() => t.auto.send({ type: 'ping' })).toThrow(/not connected/);
    vi.advanceTimersByTime(600);
    expect(t.auto.mode).toBe('kernel');
    expect(t.modes).toEqual(['kernel']);
  });

  it('uses the kernel at once without a server', () => {
    const kernel = new FakeTransport();
    const auto = new AutoTransport({ server: null, kernel, user: 'ada' });
    expect(auto.mode).toBe('kernel');
    expect(kernel.hellos).toBe(1);
  });
});

describe('serverSocketUrl', () => {
  const doc = (config: unknown) =>
    ({ getElementById: (id: string) => (id === 'jupyter-config-data' && config !== undefined ? { textContent: JSON.stringify(config) } : null) }) as unknown as Document;
  const loc = { protocol: 'https:', host: 'hub.example:8443' } as Location;

  it('builds the URL from the page config', () => {
    expect(serverSocketUrl(doc({ baseUrl: '/user/ada/', token: 'a b' }), loc)).toBe('wss://hub.example:8443/user/ada/mcpchat/ws?token=a%20b');
    expect(serverSocketUrl(doc({ baseUrl: '/', wsUrl: 'ws://h:1/base' }), loc)).toBe('ws://h:1/base/mcpchat/ws');
  });

  it('is null without a Jupyter page config', () => {
    expect(serverSocketUrl(doc(undefined), loc)).toBeNull();
    expect(serverSocketUrl({ getElementById: () => ({ textContent: '{not json' }) } as unknown as Document, loc)).toBeNull();
  });
});
