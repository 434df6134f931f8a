'use client';

import { type FormEvent, useState } from 'react';
import { MAX_CHAT_CHARS } from '../lib/chat';

/** A text box and Send: typed messages to the agent on `lk.chat`. */
export function ChatForm({
  connected,
  sending,
  error,
  onSend,
  onEdit,
}: {
  connected: boolean;
  sending: boolean;
  error: string | undefined;
  /** Resolves true when sent (and confirmed); the draft is then cleared, if still the same. */
  onSend: (draft: string) => Promise<boolean>;
  /** The draft changed (clears a stale error). */
  onEdit: () => void;
}) {
  const [draft, setDraft] = useState('');
  const length = draft.trim().length;
  const over = length > MAX_CHAT_CHARS;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const sent = draft;
    // What was typed meanwhile (a confirmation can take seconds) is kept.
    if (await onSend(sent)) setDraft((now) => (now === sent ? '' : now));
  }

  return (
    <form className="chat" onSubmit={(e) => void onSubmit(e)} aria-label="Type to the agent">
      <label htmlFor="chat-input" className="visually-hidden">
        Message to the agent
      </label>
      <input
        id="chat-input"
        data-testid="chat-input"
        name="message"
        autoComplete="off"
        placeholder="Type a message…"
        value={draft}
        disabled={!connected}
        aria-invalid={over || error !== undefined}
        aria-describedby="chat-help"
        onChange={(e) => {
          setDraft(e.target.value);
          if (error !== undefined) onEdit();
        }}
      />
      <button type="submit" data-testid="chat-send" disabled={!connected || sending}>
        {sending ? 'Sending…' : 'Send'}
      </button>
      <p id="chat-help" className={`chat-help small ${over ? 'over' : 'muted'}`}>
        {over
          ? `${length} / ${MAX_CHAT_CHARS} characters: too long to send.`
          : length > MAX_CHAT_CHARS * 0.9
            ? `${length} / ${MAX_CHAT_CHARS} characters`
            : ''}
      </p>
      {error !== undefined && (
        <p className="error chat-error" role="alert" data-testid="chat-error">
          {error}
        </p>
      )}
    </form>
  );
}
