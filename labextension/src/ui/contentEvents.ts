/**
 * The events the chat's content raises (ui/progress.ts, ui/media.ts, ui/offerings.ts dispatch them
 * as bubbling CustomEvents, so those views need no controller) and the composer's Enter key.
 */
import type { ChatController } from '../controller';
import type { AttachmentTray } from '../context/attachments';
import { CANCEL_CALL_EVENT, CancelCallDetail } from './progress';
import { OPEN_RESOURCE_EVENT, OpenResourceDetail } from './media';
import { ATTACH_RESOURCE_EVENT, AttachResourceDetail, INSERT_TEXT_EVENT, InsertTextDetail } from './offerings';
import { SlashMenu } from './slashMenu';

/** Cancel a running call, open a resource link, put a prompt's text in the composer, attach a
 * resource (its chips say when it changed on its server), and the composer's slash menu. */
export function listenToContent(node: HTMLElement, ctl: ChatController, input: HTMLTextAreaElement, tray?: AttachmentTray | null): void {
  node.addEventListener(ATTACH_RESOURCE_EVENT, ev => {
    const { server, uri, label } = (ev as CustomEvent<AttachResourceDetail>).detail;
    tray?.add({ kind: 'resource', label, server, uri, content: '', path: null });
    input.focus();
  });
  ctl.client.transport.onFrame(frame => {
    if (frame.type === 'resource_updated' && frame.chat_id === ctl.store.state.chatId) {
      tray?.resourceUpdated(node, frame.server, frame.uri);
    }
  });
  const menu = new SlashMenu(input, {
    servers: () => {
      const state = ctl.store.state;
      const chat = state.chats.find(c => c.id === state.chatId);
      return (chat?.servers ?? []).filter(n => state.servers.some(s => s.name === n && s.state === 'ready'));
    },
    prompts: server => ctl.call('prompts.list', { server }),
    prompt: (server, name, args) => ctl.call('prompts.get', { server, name, arguments: args })
  });
  input.closest('.mcpchat-composer')?.prepend(menu.node);
  ctl.store.onChange((next, prev) => {
    if (next.servers !== prev.servers || next.chats !== prev.chats || next.chatId !== prev.chatId) {
      menu.refresh(); // a server of the chat became ready (or went) while the menu is open
    }
  });
  node.addEventListener(INSERT_TEXT_EVENT, ev => {
    input.value = (ev as CustomEvent<InsertTextDetail>).detail.text;
    input.focus();
  });
  node.addEventListener(OPEN_RESOURCE_EVENT, ev => void ctl.openResource((ev as CustomEvent<OpenResourceDetail>).detail));
  node.addEventListener(CANCEL_CALL_EVENT, ev => ctl.cancelCall((ev as CustomEvent<CancelCallDetail>).detail.callId));
}

/** Enter sends (Shift+Enter a new line; never while an input method composes). */
export function sendOnEnter(input: HTMLTextAreaElement, send: () => void): void {
  input.addEventListener('keydown', ev => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      send();
    }
  });
}
