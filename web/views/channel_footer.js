// The foot of the channel: what the person's rights allow there. The composer
// if they may post (can_post), a bar with Join if they may join (can_join),
// else a bar saying the channel is read-only (or archived). Follows the channel's store:
// drawn anew only when that choice changes (a draft being typed stays), and
// the composer's label follows the channel's name.
import { channelName } from '../direct.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { composer } from './composer.js';
import { termsBar } from './terms_prompt.js';

/**
 * @param store    the channel's ChannelStore
 * @param actions  {send(body, files), typing(), join()}
 */
export function channelFooter(store, actions) {
  const el = h('div', { class: 'channel-footer' });
  let mode = null; // 'compose' | 'join' | 'read'
  let write = null; // the composer
  let name = null;

  function render() {
    const channel = store.channel;
    if (!channel) return;
    const may = channel.can_post ? 'compose' : channel.can_join ? 'join' : channel.archived ? 'archived' : channel.blocked ? 'blocked' : 'read';
    // Terms of use not accepted yet: no composer until they are (web/terms.js).
    const next = may === 'compose' && app.terms.needed ? 'terms' : may;
    if (next === mode) {
      if (write && channelName(channel) !== name) {
        name = channelName(channel);
        write.relabel(t('composer.label', { name }), t('composer.placeholder', { name }));
      }
      return;
    }
    mode = next;
    name = channelName(channel);
    write?.destroy();
    write = null;
    if (mode === 'compose') {
      write = composer({
        draftKey: `draft:c${store.id}`,
        label: t('composer.label', { name }),
        placeholder: t('composer.placeholder', { name }),
        onSend: actions.send,
        onTyping: actions.typing,
        channel: () => store.channel,
      });
      el.replaceChildren(write.el);
    } else if (mode === 'terms') {
      el.replaceChildren(termsBar('terms-bar'));
    } else if (mode === 'join') {
      const join = h('button', { class: 'btn primary', dataset: { testid: 'join-channel' }, onclick: actions.join, text: t('channel.join') });
      el.replaceChildren(h('div', { class: 'join-bar' }, h('span', { text: t('channel.notMember') }), join));
    } else {
      const text = mode === 'archived' ? t('channel.archivedBar') : mode === 'blocked' ? t('dm.blockedBar') : t('channel.readOnly');
      el.replaceChildren(h('div', { class: 'join-bar', dataset: { testid: 'read-only', mode } }, h('span', { text })));
    }
  }

  const offs = [store.on('channel', render), app.on('terms', render)];
  render();
  return {
    el,
    /** May files be dropped here (one may post)? */
    canAttach: () => !!write,
    /** Files dropped onto the channel view: to the composer, if one may post. */
    addFiles(files) {
      write?.addFiles(files);
      write?.focus();
    },
    destroy() {
      for (const off of offs) off();
      write?.destroy();
      write = null;
    },
  };
}
