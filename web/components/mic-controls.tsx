'use client';

import { useMediaDeviceSelect, useRoomContext, useTrackToggle } from '@livekit/components-react';
import { Track } from 'livekit-client';
import { useCallback, useState } from 'react';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Mute and microphone choice, with LiveKit's `useTrackToggle` and `useMediaDeviceSelect` on the
 * room of the RoomContext. Test hooks: `data-testid="mic-toggle"` with `data-enabled`
 * ('true' | 'false': the microphone is live), `data-testid="mic-select"`, and
 * `data-testid="mic-error"` when switching fails.
 */
export function MicControls() {
  const room = useRoomContext();
  const [error, setError] = useState<string | undefined>(undefined);
  // Stable: LiveKit's device hook lists the devices again whenever its callback changes.
  const onError = useCallback((err: unknown) => setError(`microphone: ${messageOf(err)}`), []);
  const mic = useTrackToggle({ source: Track.Source.Microphone, onDeviceError: onError });
  // Devices are listed with their names once the join's microphone is published (the permission
  // is granted by then, so this asks nothing); before it, Chromium lists them without ids.
  const select = useMediaDeviceSelect({
    kind: 'audioinput',
    room,
    requestPermissions: mic.track !== undefined,
    onError,
  });
  return (
    <div className="mic-controls">
      <button
        type="button"
        className={`secondary mic-toggle ${mic.enabled ? '' : 'muted-mic'}`}
        data-testid="mic-toggle"
        data-enabled={String(mic.enabled)}
        aria-pressed={!mic.enabled}
        disabled={mic.pending}
        onClick={() => {
          setError(undefined);
          mic.toggle().catch(onError);
        }}
      >
        {mic.enabled ? 'Mute' : 'Unmute'}
      </button>
      <label className="mic-select">
        <span className="visually-hidden">Microphone</span>
        <select
          data-testid="mic-select"
          value={select.activeDeviceId}
          disabled={select.devices.length === 0}
          onChange={(e) => {
            setError(undefined);
            select.setActiveMediaDevice(e.target.value).catch(onError);
          }}
        >
          {select.devices.length === 0 && <option value="">No microphone found</option>}
          {select.devices.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || `Microphone ${i + 1}`}
            </option>
          ))}
        </select>
      </label>
      {error !== undefined && (
        <p className="error small" role="alert" data-testid="mic-error">
          {error}
        </p>
      )}
    </div>
  );
}
