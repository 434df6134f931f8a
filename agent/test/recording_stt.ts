import { rmsDbfs } from '../src/audio/level.js';
import type { Stt } from '../src/providers/types.js';

/** One call the listener made on an STT stream: audio pushed (its length and level), a draft, a commit. */
export type SttCall = {
  what: 'push' | 'draft' | 'commit';
  at: number;
  samples?: number;
  db?: number;
};

/** The real STT, recording the listener's calls on each stream. */
export function recording(stt: Stt): { stt: Stt; calls: SttCall[] } {
  const calls: SttCall[] = [];
  const wrapped: Stt = {
    label: stt.label,
    close: () => stt.close(),
    stream: (opts) => {
      const s = stt.stream(opts);
      return {
        pushAudio: (samples) => {
          calls.push({
            what: 'push',
            at: performance.now(),
            samples: samples.length,
            db: rmsDbfs(samples),
          });
          s.pushAudio(samples);
        },
        commit: () => {
          calls.push({ what: 'commit', at: performance.now() });
          s.commit();
        },
        clear: () => s.clear(),
        close: () => s.close(),
        ...(s.draft
          ? {
              draft: () => {
                calls.push({ what: 'draft', at: performance.now() });
                return s.draft!();
              },
            }
          : {}),
      };
    },
  };
  return { stt: wrapped, calls };
}
