'use client';

/**
 * The join form, the participant list and the audio of one LiveKit room.
 *
 * Test hooks, read by the e2e browser tests (keep them stable):
 * - root: `data-testid="room"`, `data-connection-state` = disconnected | connecting | connected
 * - inputs: `data-testid` = `name-input`, `room-input`, `join-button`, `leave-button`, and
 *   `persona-select` (only when the deployment offers several personas)
 * - errors (token route, connection, microphone): visible text in `data-testid="error"`
 * - one `data-testid="participant"` row per participant, the local one included, with
 *   `data-identity`, `data-name`, `data-is-agent` ('true' | 'false');
 *   agents: `data-agent-state` (the `lk.agent.state` attribute, '' until set);
 *   humans: `data-agent-hears` ('true' | 'false' | 'unknown'), from the agent's
 *   `voice_agent.hearing` attribute keyed by the human's identity;
 *   remote participants: `data-audio-peak` (largest absolute sample received so far, 0..1,
 *   4 decimals) and `data-first-audio-at` (epoch ms, `performance.timeOrigin + performance.now()`,
 *   of the first 15 ms poll whose peak exceeded 0.01; '' until then), measured with Web Audio
 *   analysers on the received tracks.
 * - `window.__voiceAgent = { room }`: the livekit-client Room while joined.
 *
 * The conversation (shown from joining on; after leaving only the transcript stays):
 * - `data-testid="agent-state"`: the agent-state line, `data-state` = the agent's `lk.agent.state`
 *   (initializing | listening | thinking | speaking; '' with no agent or no state yet) and
 *   `data-agent-present` ('true' | 'false').
 * - `data-testid="no-model"`: present when the agent's `voice_agent.models` has llm 'none'.
 * - `data-testid="agent-visualizer"`: LiveKit's BarVisualizer of the agent's voice, with
 *   `data-visualizer-state` (useVoiceAssistant's state) and `data-has-track` ('true' once the
 *   agent's audio track is there).
 * - `data-testid="address-hint"`: present while the agent's `voice_agent.reply_policy` is
 *   'addressed': "With others here, start with “<agent's name>, …”".
 * - `data-testid="mic-toggle"` (`data-enabled` 'true' | 'false'), `data-testid="mic-select"`,
 *   `data-testid="mic-error"`: see mic-controls.tsx.
 * - `data-testid="latency-panel"` (`data-turns`) and its `data-testid="latency-row"`s: see
 *   latency-panel.tsx. In it, `data-testid="turn-metrics"` (absent before the first report): the
 *   latest `voice_agent.metrics` report, one attribute per TurnMetrics field, whole ms:
 *   `data-turn-id`, `data-speaker`, `data-end-of-utterance-ms`, `data-stt-final-ms`,
 *   `data-llm-ttft-ms`, `data-tts-ttfb-ms`, `data-end-to-end-ms`, and `data-e2e-ms`
 *   (= `data-end-to-end-ms`).
 * - `data-testid="interrupt-button"` (disabled without an agent or while the RPC runs); after
 *   it: `data-testid="interrupt-result"` with `data-result` = the RPC's answer ('ok' | 'idle'),
 *   or `data-testid="interrupt-error"` with the failure.
 * - `data-testid="transcript"`: the ordered list (aria-live polite); in it, one
 *   `data-testid="transcript-entry"` per segment or typed message, whose text content is exactly
 *   the words, with `data-speaker` (identity), `data-speaker-name`, `data-final` ('true' once the
 *   segment's latest stream ended with `lk.transcription_final` not 'false'; typed messages at
 *   once), `data-interim` ('true' while the latest stream says final 'false'), `data-from-agent`
 *   ('true' | 'false') and `data-source` ('speech' | 'chat').
 * - `data-testid="chat-input"`, `data-testid="chat-send"`; a refused or failed message:
 *   `data-testid="chat-error"` (empty, over 2000 characters after trimming, send failure).
 */
import type { Room } from 'livekit-client';
import { type FormEvent, useCallback, useRef, useState } from 'react';
import { Conversation } from './conversation';
import { ParticipantList } from './participant-list';
import { useTranscript } from './use-transcript';
import { usePersonas } from './use-personas';
import { useVoiceRoom } from './use-voice-room';

export function VoiceRoom({ defaultRoom }: { defaultRoom: string }) {
  const [name, setName] = useState('');
  const [roomName, setRoomName] = useState(defaultRoom);
  const personas = usePersonas();
  /** The persona picked ('' : the deployment's default). Offered only when there are several. */
  const [persona, setPersona] = useState('');
  const audioContainer = useRef<HTMLDivElement>(null);
  const transcript = useTranscript();
  /** Counts joins: the conversation controls start afresh in each room. */
  const [session, setSession] = useState(0);
  const { attach: attachTranscript } = transcript;
  const onRoom = useCallback(
    (room: Room) => {
      setSession((n) => n + 1);
      return attachTranscript(room);
    },
    [attachTranscript],
  );
  const voice = useVoiceRoom(audioContainer, onRoom);
  const idle = voice.connection === 'disconnected' && voice.joined === undefined;
  const connected = voice.connection === 'connected';

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void voice.join(name.trim(), roomName.trim(), persona || undefined);
  }

  return (
    <section className="room" data-testid="room" data-connection-state={voice.connection}>
      <form className="join" onSubmit={onSubmit}>
        <label>
          Your name
          <input
            data-testid="name-input"
            name="name"
            autoComplete="nickname"
            placeholder="Ana"
            value={name}
            disabled={!idle}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Room
          <input
            data-testid="room-input"
            name="room"
            value={roomName}
            disabled={!idle}
            onChange={(e) => setRoomName(e.target.value)}
          />
        </label>
        {personas && personas.personas.length > 1 && (
          <label>
            Agent
            <select
              data-testid="persona-select"
              name="persona"
              value={persona || personas.default}
              disabled={!idle}
              onChange={(e) => setPersona(e.target.value)}
            >
              {personas.personas.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.displayName ? `${p.displayName} (${p.name})` : p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {idle ? (
          <button type="submit" data-testid="join-button">
            Join
          </button>
        ) : (
          <button type="button" data-testid="leave-button" onClick={() => void voice.leave()}>
            Leave
          </button>
        )}
      </form>

      {voice.error !== undefined && (
        <p className="error" role="alert" data-testid="error">
          {voice.error}
        </p>
      )}

      <p className="status">
        {voice.connection === 'connected' && voice.joined
          ? `In room “${voice.joined.room}”`
          : voice.connection === 'connecting'
            ? 'Connecting…'
            : 'Not connected'}
      </p>

      {voice.audioBlocked && (
        <button type="button" className="secondary" onClick={() => void voice.startAudio()}>
          Allow audio playback
        </button>
      )}

      {(!idle || transcript.entries.length > 0) && (
        <Conversation
          key={session}
          room={idle ? undefined : voice.room}
          connected={connected}
          self={voice.joined?.identity}
          entries={transcript.entries}
          addChatMessage={transcript.addChatMessage}
        />
      )}

      <ParticipantList participants={voice.participants} levels={voice.levels} />
      <div ref={audioContainer} className="audio-elements" aria-hidden="true" />
    </section>
  );
}
