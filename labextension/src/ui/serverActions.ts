/** What the server panel's controls do: each one a controller call (ui/servers.ts renders them). */
import type { ChatController } from '../controller';
import { READ_ONLY_TOOLS } from './annotations';
import type { ServerPanelActions } from './servers';

/** ``rerender``: show the servers again (a refused toggle or add puts the panel back as it was). */
export function serverActions(ctl: ChatController, rerender: () => void): ServerPanelActions {
  return {
    toggle: (name, on) =>
      void ctl.toggleServer(name, on).then(ok => {
        if (!ok) {
          rerender(); // the checkbox shows the chat's servers again
        }
      }),
    connect: name => ctl.connectServer(name),
    remove: name => ctl.removeServer(name),
    add: async spec => {
      if (!(await ctl.addServer(spec))) {
        rerender();
      }
    },
    importConfig: doc => ctl.importServers(doc),
    allowReadOnly: server => ctl.addRule({ server, tool: READ_ONLY_TOOLS, action: 'allow' }),
    loadLog: name => ctl.serverLog(name),
    setRoots: async (name, roots) => void (await ctl.call('servers.roots', { name, roots })),
    offerings: {
      resources: server => ctl.call('resources.list', { server }),
      prompts: server => ctl.call('prompts.list', { server }),
      prompt: (server, name, args) => ctl.call('prompts.get', { server, name, arguments: args })
    }
  };
}
