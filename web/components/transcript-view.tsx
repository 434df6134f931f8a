'use client';

import { useEffect, useRef } from 'react';
import type { TranscriptEntry } from '../lib/transcript';

function Entry({ e, self }: { e: TranscriptEntry; self: string | undefined }) {
  const who = e.speaker === self ? `${e.speakerName} (you)` : e.speakerName;
  const classes = [
    'transcript-entry',
    e.fromAgent ? 'from-agent' : 'from-person',
    e.interim ? 'interim' : '',
    e.streaming ? 'streaming' : '',
  ];
  // The entry element's text is exactly the words (the e2e tests read it); the name sits beside it.
  return (
    <li className={classes.filter(Boolean).join(' ')}>
      <span className="transcript-speaker">
        {who}
        {e.source === 'chat' && <span className="muted"> · typed</span>}
      </span>
      <p
        className="transcript-text"
        data-testid="transcript-entry"
        data-speaker={e.speaker}
        data-speaker-name={e.speakerName}
        data-final={String(e.final)}
        data-from-agent={String(e.fromAgent)}
        data-interim={String(e.interim)}
        data-source={e.source}
      >
        {e.text}
      </p>
    </li>
  );
}

/**
 * Who said what, in order; interim text greyed. Follows the newest entry unless the reader has
 * scrolled up.
 */
export function TranscriptView({
  entries,
  self,
}: {
  entries: readonly TranscriptEntry[];
  /** The local identity, marked "(you)". */
  self: string | undefined;
}) {
  const list = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const el = list.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [entries]);

  return (
    <section className="transcript-panel" aria-labelledby="transcript-heading">
      <h2 id="transcript-heading">Transcript</h2>
      <ol
        ref={list}
        className="transcript"
        data-testid="transcript"
        aria-live="polite"
        onScroll={(ev) => {
          const el = ev.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {entries.map((e) => (
          <Entry key={e.key} e={e} self={self} />
        ))}
      </ol>
      {entries.length === 0 && <p className="muted transcript-empty">Nothing said yet.</p>}
    </section>
  );
}
