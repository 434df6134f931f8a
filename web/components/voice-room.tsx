'use client';

/**
 * The join form, the participant list and the audio of one LiveKit room.
 *
 * Test hooks, read by the e2e browser tests (keep them stable):
 * - root: `data-testid="room"`, `data-connection-state` = disconnected | connecting | connected
 * - inputs: `data-testid` = `name-input`, `room-input`, `join-button`, `leave-button`
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
 */
import { type FormEvent, useRef, useState } from 'react';
import { ParticipantList } from './participant-list';
import { useVoiceRoom } from './use-voice-room';

export function VoiceRoom({ defaultRoom }: { defaultRoom: string }) {
  const [name, setName] = useState('');
  const [roomName, setRoomName] = useState(defaultRoom);
  const audioContainer = useRef<HTMLDivElement>(null);
  const voice = useVoiceRoom(audioContainer);
  const idle = voice.connection === 'disconnected' && voice.joined === undefined;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void voice.join(name.trim(), roomName.trim());
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

      <ParticipantList participants={voice.participants} levels={voice.levels} />
      <div ref={audioContainer} className="audio-elements" aria-hidden="true" />
    </section>
  );
}
