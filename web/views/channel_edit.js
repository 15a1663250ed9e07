// "Edit group": rename an interest group or change its description (its
// creator or an admin). PATCH /api/channels/{id} answers with the position of
// the `channel.updated` event, which reaches every subscriber (this page too).
import { patch } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { errorBox, errorText } from './errors.js';
import { modal } from './profile.js';

/** The dialog; onSaved({name, description}) after the server took the change. */
export function openChannelEdit(channel, { onSaved } = {}) {
  const { dialog, body } = modal(t('channelEdit.title', { name: channel.name }), 'channel-edit-dialog');
  const name = h('input', { type: 'text', required: true, maxlength: '100', value: channel.name, dataset: { testid: 'channel-edit-name' } });
  const description = h('textarea', { rows: '3', maxlength: '500', dataset: { testid: 'channel-edit-description' } });
  description.value = channel.description ?? '';
  // A Q&A channel: its posts are questions (新人の質問箱); newcomers may ask anonymously.
  const qa = h('input', { type: 'checkbox', dataset: { testid: 'channel-edit-qa' } });
  qa.checked = !!channel.qa;
  const error = errorBox('channel-edit-error');
  const save = h('button', { type: 'submit', class: 'btn primary', dataset: { testid: 'channel-edit-save' }, text: t('common.save') });
  const cancel = h('button', { type: 'button', class: 'btn ghost', onclick: () => dialog.close(), text: t('common.cancel') });

  const form = h(
    'form',
    {
      class: 'stack',
      onsubmit: async (ev) => {
        ev.preventDefault();
        error.set('');
        const change = {};
        const nextName = name.value.trim();
        const nextDescription = description.value.trim();
        if (!nextName) return error.set(t('directory.nameMissing'));
        if (nextName !== channel.name) change.name = nextName;
        if (nextDescription !== (channel.description ?? '')) change.description = nextDescription;
        if (qa.checked !== !!channel.qa) change.qa = qa.checked;
        if (!Object.keys(change).length) return dialog.close();
        save.disabled = true;
        try {
          await patch(`/api/channels/${channel.id}`, change);
          dialog.close();
          onSaved?.(change);
        } catch (err) {
          error.set(errorText(err, { conflict: t('directory.nameTaken'), forbidden: t('channelEdit.forbidden') }));
          save.disabled = false;
        }
      },
    },
    field(t('directory.name'), name),
    field(t('directory.description'), description),
    h('label', { class: 'check' }, qa, ` ${t('channelEdit.qa')}`),
    h('p', { class: 'muted small', text: t('channelEdit.qaHint') }),
    error,
    h('div', { class: 'row end' }, cancel, save),
  );
  body.append(form);
  name.focus();
  name.select();
}
