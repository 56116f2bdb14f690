// Small DOM helpers shared by the chat widget and the agent console: creating an
// element in one call, keeping a list's children in order while building only the ones
// that changed (so half-typed forms survive updates and `aria-live` regions announce
// only what is new), and a message's attachment.

/** Creates an element; `text` sets its text, `false`/`null`/`undefined` attributes are left out. */
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/**
 * Makes `container`'s children exactly `wanted`, in order. Each wanted item is
 * `{key, signature, build}`: a node cached under `key` (in `cache`, a Map) is reused
 * while its `signature` is unchanged, else rebuilt; nodes no longer wanted are removed;
 * a node is moved only when it is out of place.
 * @param {Element} container
 * @param {Map<string, {node: Element, signature: string}>} cache
 * @param {{key: string, signature: string, build: () => Element}[]} wanted
 */
export function reconcile(container, cache, wanted) {
  const keep = new Set(wanted.map((item) => item.key));
  for (const [key, cached] of cache) {
    if (!keep.has(key)) {
      cached.node.remove();
      cache.delete(key);
    }
  }
  wanted.forEach((item, position) => {
    let cached = cache.get(item.key);
    if (!cached || cached.signature !== item.signature) {
      const node = item.build();
      if (cached) cached.node.replaceWith(node);
      cached = { node, signature: item.signature };
      cache.set(item.key, cached);
    }
    const current = container.children[position] ?? null;
    if (current !== cached.node) container.insertBefore(cached.node, current);
  });
}

/**
 * A message attachment: a picture inline, anything else a link that downloads it.
 * `load()` resolves with an object URL (the file is fetched with a token); `classes`
 * names the container's, the picture's and the link's CSS classes.
 * @param {{name?: string, type?: string}} attachment
 * @param {string} name what to call it when it has no name of its own
 * @param {() => Promise<string>} load
 * @param {{container: string, image: string, file: string}} classes
 */
export function attachmentNode(attachment, name, load, classes) {
  const container = element('div', { class: classes.container, 'data-testid': 'tw-attachment' });
  if (String(attachment.type ?? '').startsWith('image/')) {
    const image = element('img', { alt: name, class: classes.image });
    load()
      .then((source) => {
        image.src = source;
      })
      .catch(() => image.replaceWith(element('span', { class: classes.file, text: name })));
    container.append(image);
    return container;
  }
  const link = element('a', { href: '#', class: classes.file, 'data-testid': 'tw-attachment-link', text: name });
  link.addEventListener('click', async (event) => {
    event.preventDefault();
    const href = await load().catch(() => null);
    if (href) element('a', { href, download: name }).click();
  });
  container.append(link);
  return container;
}
