// #/ : open one's department channel (or first channel); with none, point to the directory.
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { app, refreshChannels } from '../state.js';

export function mount(container) {
  let alive = true;
  const here = location.hash || '#/';
  container.replaceChildren(h('p', { class: 'muted pad', text: t('common.loading') }));
  app.emit('title', '');
  refreshChannels()
    .catch(() => {})
    .then(() => {
      // Gone, or leaving already (the next view is still loading): a search
      // typed in the first moments must not be replaced by the channel.
      if (!alive || (location.hash || '#/') !== here) return;
      const first = app.channels.find((c) => c.kind === 'department') ?? app.channels[0];
      if (first) {
        location.replace(`#/c/${first.id}`);
        return;
      }
      container.replaceChildren(
        h(
          'section',
          { class: 'empty-state', dataset: { testid: 'home-empty' } },
          h('h1', { text: t('home.welcome', { name: app.me.display_name }) }),
          h('p', { text: t('home.noChannels') }),
          h('a', { class: 'btn primary', href: '#/directory', text: t('home.browse') }),
        ),
      );
    });
  return {
    destroy() {
      alive = false;
    },
  };
}
