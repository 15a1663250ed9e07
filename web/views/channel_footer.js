// The foot of the channel: what the person's rights allow there. The composer
// if they may post (can_post), a bar with Join if they may join (can_join),
// else a bar saying the channel is read-only (or archived). Follows the channel's store:
// drawn anew only when that choice changes (a draft being typed stays), and
// the composer's label follows the channel's name.
import { get } from '../api.js';
import { channelName } from '../direct.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { app } from '../state.js';
import { composer } from './composer.js';
import { termsBar } from './terms_prompt.js';

/**
 * How a post is asked, above the composer: in a Q&A channel a newcomer may ask
 * anonymously (and is told plainly, before sending, who can still see their
 * name); in a direct conversation with one of their mentors a newcomer may
 * send a post as a question. While asking anonymously no typing signal goes
 * out (it would show the name).
 */
function askOptions(store) {
  const el = h('div', { class: 'ask-options', hidden: true, dataset: { testid: 'ask-options' } });
  const anonymous = h('input', { type: 'checkbox', dataset: { testid: 'ask-anonymous' } });
  const question = h('input', { type: 'checkbox', dataset: { testid: 'ask-question' } });
  const notice = h('p', { class: 'ask-notice', role: 'note', dataset: { testid: 'anonymous-notice' }, text: t('question.anonymousNotice') });
  let mentors = null; // one's mentors' ids, for a newcomer
  function render() {
    const c = store.channel;
    const parts = [];
    if (c?.qa) {
      parts.push(h('p', { class: 'muted small', dataset: { testid: 'qa-hint' }, text: t('question.qaHint') }));
      if (app.me?.newcomer) parts.push(h('label', { class: 'check' }, anonymous, ` ${t('question.askAnonymously')}`), notice);
    } else if (c?.kind === 'direct' && mentors && (c.people ?? []).some((p) => mentors.has(p.id))) {
      parts.push(h('label', { class: 'check' }, question, ` ${t('question.askAsQuestion')}`));
    }
    notice.hidden = !anonymous.checked;
    el.replaceChildren(...parts);
    el.hidden = parts.length === 0;
  }
  anonymous.addEventListener('change', () => (notice.hidden = !anonymous.checked));
  if (app.me?.newcomer) {
    get('/api/me/welcome', { quiet: true })
      .then((w) => {
        mentors = new Set((w.mentors ?? []).map((m) => m.id));
        render();
      })
      .catch(() => {});
  }
  return {
    el,
    render,
    anonymous: () => !!store.channel?.qa && anonymous.checked,
    /** What the next post asks for, then back to the plain state. */
    take() {
      const ask = {};
      if (store.channel?.qa && anonymous.checked) ask.anonymous = true;
      if (store.channel?.kind === 'direct' && question.checked) ask.question = true;
      anonymous.checked = question.checked = false;
      notice.hidden = true;
      return ask;
    },
  };
}

/**
 * @param store    the channel's ChannelStore
 * @param actions  {send(body, files), typing(), join()}
 */
export function channelFooter(store, actions) {
  const el = h('div', { class: 'channel-footer' });
  let mode = null; // 'compose' | 'join' | 'read'
  let write = null; // the composer
  let name = null;
  const ask = askOptions(store);

  function render() {
    const channel = store.channel;
    if (!channel) return;
    ask.render();
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
        onSend: (body, files, opts) => actions.send(body, files, { ...opts, ...ask.take() }),
        onTyping: () => (ask.anonymous() ? undefined : actions.typing()),
        channel: () => store.channel,
        polls: true,
      });
      el.replaceChildren(ask.el, write.el);
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
