/**
 * The non-text content of a tool result (ChatMessage.metadata.media, checked and capped by the
 * server, mcp_servers/media.py): images inline (click to enlarge), audio to play or download,
 * resource links to open (resources.read, through the app), embedded binary resources to
 * download. Everything came from an MCP server: images reach the DOM through the strict policy of
 * render/untrusted.ts (data: raster images only), names and notes are text, downloads are
 * `application/octet-stream` blobs (never rendered by the browser).
 */
import type { ResourceContent, ToolMedia } from '../protocol';
import { h } from '../dom';
import { untrustedFragment } from '../render/untrusted';

/** The event "Open" on a resource link sends up the DOM; the app reads it (ui/app.ts). */
export const OPEN_RESOURCE_EVENT = 'mcpchat-open-resource';

export interface OpenResourceDetail {
  server: string;
  uri: string;
  /** Called with the contents, or with an error text. */
  show(result: ResourceContent[] | string): void;
}

const RASTER = /^image\/(?:png|jpeg|gif|webp)$/;
const B64 = /^[A-Za-z0-9+/=]*$/;

function bytesOf(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) {
    out[i] = bin.charCodeAt(i);
  }
  return out;
}

function blobUrl(b64: string, type: string): string {
  return URL.createObjectURL(new Blob([bytesOf(b64) as BlobPart], { type }));
}

/** Save bytes as a file (never shown by the browser: the type is octet-stream). */
function download(b64: string, name: string): void {
  const url = blobUrl(b64, 'application/octet-stream');
  const a = document.createElement('a');
  a.href = url; // (our own blob: URL, not a server's)
  a.download = name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').slice(0, 100) || 'download';
  a.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function fileName(item: { uri?: string | null; name?: string | null }, fallback: string): string {
  const last = (item.uri ?? '').split(/[/?#]/).filter(Boolean).pop();
  return item.name || last || fallback;
}

function sizeText(size: number | null | undefined): string {
  if (!size) {
    return '';
  }
  return size < 1024 ? `${size} B` : size < 1048576 ? `${(size / 1024).toFixed(1)} KiB` : `${(size / 1048576).toFixed(1)} MiB`;
}

function button(label: string, testid: string, onClick: () => void, title?: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': testid, title }, label);
  b.addEventListener('click', onClick);
  return b;
}

function imageView(item: ToolMedia): HTMLElement {
  const box = h('div', { class: 'mcpchat-media-image', 'data-testid': 'media-image', title: 'Click to enlarge' });
  const data = item.data ?? '';
  if (item.mime_type && RASTER.test(item.mime_type) && B64.test(data)) {
    box.append(untrustedFragment(`<img alt="image from the tool" src="data:${item.mime_type};base64,${data}">`));
  }
  box.addEventListener('click', () => box.classList.toggle('mcpchat-media-big'));
  return box;
}

function audioView(item: ToolMedia): HTMLElement {
  const data = item.data ?? '';
  const type = item.mime_type ?? 'audio/wav';
  let audio: HTMLAudioElement | null = null;
  const play = button('▶ Play audio', 'media-play', () => {
    if (audio && !audio.paused) {
      audio.pause();
      play.textContent = '▶ Play audio';
      return;
    }
    audio = audio ?? new Audio(blobUrl(data, type));
    void audio.play().catch(() => (play.textContent = 'cannot play this audio'));
    play.textContent = '❚❚ Pause';
  });
  return h(
    'div',
    { class: 'mcpchat-media-audio', 'data-testid': 'media-audio' },
    play,
    button('Download', 'media-download', () => download(data, fileName(item, 'audio'))),
    ` ${type} ${sizeText(item.size)}`
  );
}

export function contentsView(result: ResourceContent[] | string): HTMLElement {
  if (typeof result === 'string') {
    return h('div', { class: 'mcpchat-form-error', 'data-testid': 'resource-error' }, result);
  }
  return h(
    'div',
    { class: 'mcpchat-resource-contents', 'data-testid': 'resource-contents' },
    ...result.map(c =>
      c.text !== null && c.text !== undefined
        ? h('pre', { class: 'mcpchat-resource-text' }, c.text)
        : c.data
          ? button(`Download ${fileName(c, 'resource')} (${sizeText(c.size)})`, 'resource-download', () =>
              download(c.data ?? '', fileName(c, 'resource'))
            )
          : h('div', { class: 'mcpchat-note' }, c.note ?? 'empty')
    )
  );
}

function linkView(item: ToolMedia): HTMLElement {
  const out = h('div', { class: 'mcpchat-resource-out' });
  const open = button('Open', 'resource-open', () => {
    if (!item.server || !item.uri) {
      return;
    }
    open.disabled = true;
    const detail: OpenResourceDetail = {
      server: item.server,
      uri: item.uri,
      show: result => {
        open.disabled = false;
        out.replaceChildren(contentsView(result));
      }
    };
    open.dispatchEvent(new CustomEvent<OpenResourceDetail>(OPEN_RESOURCE_EVENT, { bubbles: true, detail }));
  });
  return h(
    'div',
    { class: 'mcpchat-media-link', 'data-testid': 'media-link' },
    h('span', { class: 'mcpchat-resource-name' }, item.name ?? item.uri ?? ''),
    ' ',
    h('code', {}, item.uri ?? ''),
    ' ',
    open,
    out
  );
}

function itemView(item: ToolMedia): HTMLElement {
  if (!item.data && item.kind !== 'resource_link') {
    const what = item.kind === 'resource' ? 'resource' : item.kind;
    return h('div', { class: 'mcpchat-note', 'data-testid': 'media-left-out' }, `${what} ${item.mime_type ?? ''}: ${item.note ?? 'left out'}`);
  }
  switch (item.kind) {
    case 'image':
      return imageView(item);
    case 'audio':
      return audioView(item);
    case 'resource_link':
      return item.uri ? linkView(item) : h('div', { class: 'mcpchat-note' }, `resource link: ${item.note ?? 'left out'}`);
    default:
      return h(
        'div',
        { class: 'mcpchat-media-blob', 'data-testid': 'media-blob' },
        button(`Download ${fileName(item, 'resource')}`, 'media-download', () => download(item.data ?? '', fileName(item, 'resource'))),
        ` ${item.mime_type ?? ''} ${sizeText(item.size)}`
      );
  }
}

/** The media of a tool result (null: none). */
export function mediaView(metadata: Record<string, unknown> | undefined): HTMLElement | null {
  const media = metadata?.media;
  if (!Array.isArray(media) || media.length === 0) {
    return null;
  }
  return h('div', { class: 'mcpchat-media', 'data-testid': 'tool-media' }, ...(media as ToolMedia[]).map(itemView));
}
