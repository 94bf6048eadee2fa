/**
 * The open chat's MCP server requests (elicitation and sampling cards), under the transcript.
 * Each card is built once per request (what the user typed survives re-renders) and updated as
 * its status changes; answers go to the server as `elicitation_answer` / `sampling_answer`.
 */
import type { ChatClient } from '../client';
import { h } from '../dom';
import { answered, ServerRequestCard } from '../model/serverRequests';
import type { ChatStore } from '../model/store';
import { ElicitationAnswer, ElicitationCard } from './elicitationCard';
import { SamplingAnswer, SamplingCard } from './samplingCard';

type Card = ElicitationCard | SamplingCard;

export class ServerRequestsView {
  readonly el = h('div', { class: 'mcpchat-requests', 'data-testid': 'server-requests', 'aria-live': 'polite' });
  private cards = new Map<string, Card>();
  private shown: readonly ServerRequestCard[] = [];

  constructor(private client: ChatClient, private store: ChatStore) {
    store.onChange(state => this.render(state.serverRequests));
    this.render(store.state.serverRequests);
  }

  private render(list: readonly ServerRequestCard[]): void {
    if (list === this.shown) {
      return;
    }
    this.shown = list;
    const ids = new Set(list.map(c => c.request.request_id));
    for (const [id, card] of this.cards) {
      if (!ids.has(id)) {
        card.el.remove();
        this.cards.delete(id);
      }
    }
    for (const item of list) {
      const id = item.request.request_id;
      let card = this.cards.get(id);
      if (!card) {
        card = this.build(item);
        this.cards.set(id, card);
        this.el.append(card.el);
      }
      card.update(item);
    }
    this.el.hidden = list.length === 0;
  }

  private build(item: ServerRequestCard): Card {
    const r = item.request;
    const done = () => this.store.update(s => answered(s, r.request_id));
    if (r.type === 'elicitation_request') {
      return new ElicitationCard(r, (a: ElicitationAnswer) => {
        done();
        this.client.send({ type: 'elicitation_answer', chat_id: r.chat_id, request_id: r.request_id, ...a });
      });
    }
    return new SamplingCard(r, (a: SamplingAnswer) => {
      done();
      this.client.send({ type: 'sampling_answer', chat_id: r.chat_id, request_id: r.request_id, ...a });
    });
  }
}
