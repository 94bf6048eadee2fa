import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import { ChatClient } from './client';
import { ChatApp } from './ui/app';
import { savedCellSource } from './context/labCells';
import { setCellLookup } from './context/jupyterCard';
import { labContextSources } from './context/labSources';
import { followNotebookChanges } from './context/liveNotebooks';
import { WebSocketTransport } from './wsTransport';

const PANEL_ID = 'mcpchat-panel';
const LAST_CHAT_KEY = 'mcpchat:last-chat';

const chatIcon = new LabIcon({
  name: 'mcpchat:chat',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16"><path class="jp-icon3" fill="#616161" d="M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>'
});

/** URL of the chat websocket; the token travels in the query when the server uses one. */
export function websocketUrl(settings: ServerConnection.ISettings = ServerConnection.makeSettings()): string {
  const url = URLExt.join(settings.wsUrl, 'mcpchat/ws');
  return settings.token ? `${url}?token=${encodeURIComponent(settings.token)}` : url;
}

class ChatPanel extends Widget {
  constructor(private client: ChatClient, app: ChatApp) {
    super();
    this.id = PANEL_ID;
    this.addClass('mcpchat-panel');
    this.title.icon = chatIcon;
    this.title.caption = 'MCP Chat';
    this.node.append(app.node);
  }

  dispose(): void {
    this.client.dispose();
    super.dispose();
  }
}

function insertIntoNotebook(tracker: INotebookTracker | null, shell: JupyterFrontEnd.IShell, code: string): boolean {
  const panel = tracker?.currentWidget;
  if (!panel) {
    return false;
  }
  const notebook = panel.content;
  NotebookActions.insertBelow(notebook);
  notebook.activeCell?.model.sharedModel.setSource(code);
  shell.activateById(panel.id);
  return true;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mcpchat-ext:plugin',
  description: 'Chat with an agent using MCP tools; every tool call needs your approval.',
  autoStart: true,
  optional: [INotebookTracker, ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ) => {
    const client = new ChatClient(new WebSocketTransport({ url: websocketUrl() }));
    setCellLookup((path, index) => savedCellSource(app.serviceManager.contents, path, index));
    let initial: string | null = null;
    try {
      initial = window.localStorage.getItem(LAST_CHAT_KEY);
    } catch {
      /* storage unavailable */
    }
    const chat = new ChatApp({
      client,
      initialChatId: initial,
      codeActions: { insertCode: code => insertIntoNotebook(tracker, app.shell, code) },
      contextSources: tracker ? labContextSources(tracker) : undefined,
      onChatSelected: id => {
        try {
          if (id) {
            window.localStorage.setItem(LAST_CHAT_KEY, id);
          } else {
            window.localStorage.removeItem(LAST_CHAT_KEY);
          }
        } catch {
          /* storage unavailable */
        }
      }
    });
    const panel = new ChatPanel(client, chat);
    app.shell.add(panel, 'right', { rank: 200 });
    restorer?.add(panel, PANEL_ID);

    app.commands.addCommand('mcpchat:open', {
      label: 'Open MCP Chat',
      icon: chatIcon,
      execute: () => app.shell.activateById(PANEL_ID)
    });
    palette?.addItem({ command: 'mcpchat:open', category: 'MCP Chat' });
    if (tracker) {
      followNotebookChanges(client, tracker);
      // right-click an error output: "Ask MCP Chat about this error"
      const errorOf = labContextSources(tracker).error!;
      app.commands.addCommand('mcpchat:ask-about-error', {
        label: 'Ask MCP Chat about this error',
        icon: chatIcon,
        execute: async () => {
          const item = await errorOf();
          if (item) {
            chat.attach(item, 'Why does this cell fail, and how do I fix it?');
            app.shell.activateById(PANEL_ID);
          }
        }
      });
      app.contextMenu.addItem({ command: 'mcpchat:ask-about-error', selector: '.jp-OutputArea-child', rank: 0 });
      palette?.addItem({ command: 'mcpchat:ask-about-error', category: 'MCP Chat' });
    }
  }
};

export default plugin;
