import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './log.js';

function linesOf(redact: boolean, write: (log: ReturnType<typeof createLogger>) => void) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', redact, {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  write(log);
  return lines;
}

describe('log lines with AGENT_REDACT', () => {
  it('replace personal data in what people said, and nothing else', () => {
    const [line] = linesOf(true, (log) =>
      log.debug(
        { participant: 'ana-1', text: 'call me on 415 555 2671 at 3:45', room: 'room 4021' },
        'heard',
      ),
    );
    assert.equal(line!.text, 'call me on [phone] at 3:45');
    assert.equal(line!.participant, 'ana-1');
    assert.equal(line!.room, 'room 4021');
    assert.equal(line!.msg, 'heard');
  });

  it('reach text one level down (a turn logged as an object)', () => {
    const [line] = linesOf(true, (log) =>
      log.info({ turn: { text: 'my card is 4141 0415 0133 2676' } }, 'turn'),
    );
    assert.deepEqual(line!.turn, { text: 'my card is [card]' });
  });

  it('leave the text as said with AGENT_REDACT=off', () => {
    const [line] = linesOf(false, (log) => log.info({ text: 'ana@example.com' }, 'heard'));
    assert.equal(line!.text, 'ana@example.com');
  });
});
