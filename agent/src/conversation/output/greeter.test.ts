import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Greeter } from './greeter.js';

/** A fake `say` whose calls stay pending until the test finishes them, in order. */
function scriptedSay() {
  const events: string[] = [];
  const pending: (() => void)[] = [];
  const say = (text: string) =>
    new Promise<void>((resolve) => {
      events.push(`start ${text}`);
      pending.push(() => {
        events.push(`end ${text}`);
        resolve();
      });
    });
  /** Finishes the oldest saying still playing, then lets the queue move on. */
  const finishNext = async () => {
    await settle();
    const finish = pending.shift();
    assert.ok(finish, 'nothing is being said');
    finish();
    await settle();
  };
  return { say, events, finishNext, playing: () => pending.length };
}

/** A 'Hello {name}' greeter: Ann, Bob and Cy arrive, then each is to be greeted, in that order. */
function threeWaiting() {
  const said = scriptedSay();
  const greeter = new Greeter('Hello {name}', said.say);
  const people = [
    ['a', 'Ann'],
    ['b', 'Bob'],
    ['c', 'Cy'],
  ] as const;
  for (const [id] of people) greeter.arrived(id);
  for (const [id, name] of people) void greeter.greet(id, name);
  return { ...said, greeter };
}

/** Lets queued promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('Greeter: order and once per person', () => {
  it('greets in order, one at a time: the next starts only after the previous ends', async () => {
    const { greeter, events, finishNext, playing } = threeWaiting();
    await settle();
    assert.deepEqual(events, ['start Hello Ann']);
    assert.equal(playing(), 1);

    await finishNext();
    assert.deepEqual(events, ['start Hello Ann', 'end Hello Ann', 'start Hello Bob']);
    await finishNext();
    await finishNext();
    await greeter.idle();
    assert.deepEqual(events, [
      'start Hello Ann',
      'end Hello Ann',
      'start Hello Bob',
      'end Hello Bob',
      'start Hello Cy',
      'end Hello Cy',
    ]);
  });

  it('idle() resolves only when every queued greeting is done', async () => {
    const { say, finishNext } = scriptedSay();
    const greeter = new Greeter('Hi {name}', say);
    for (const id of ['a', 'b']) greeter.arrived(id);
    void greeter.greet('a', 'Ann');
    void greeter.greet('b', 'Bob');
    let idle = false;
    void greeter.idle().then(() => (idle = true));
    await settle();
    assert.equal(idle, false);
    await finishNext();
    assert.equal(idle, false);
    await finishNext();
    assert.equal(idle, true);
  });

  it('greets a person once even if greet is called twice', async () => {
    const { say, events, finishNext, playing } = scriptedSay();
    const greeter = new Greeter('Hello {name}', say);
    greeter.arrived('a');
    void greeter.greet('a', 'Ann');
    void greeter.greet('a', 'Ann');
    await finishNext();
    void greeter.greet('a', 'Ann again');
    await settle();
    assert.deepEqual(events, ['start Hello Ann', 'end Hello Ann']);
    assert.equal(playing(), 0);
  });

  it('a person who comes back after being greeted is not greeted again', async () => {
    const { say, events, finishNext, playing } = scriptedSay();
    const greeter = new Greeter('Hello {name}', say);
    greeter.arrived('a');
    void greeter.greet('a', 'Ann');
    await finishNext();
    greeter.left('a');
    greeter.arrived('a');
    void greeter.greet('a', 'Ann');
    await settle();
    assert.deepEqual(events, ['start Hello Ann', 'end Hello Ann']);
    assert.equal(playing(), 0);
  });
});

describe('Greeter: who is skipped, and what is said', () => {
  it('skips a person who left before their turn', async () => {
    const { greeter, events, finishNext } = threeWaiting();
    await settle();
    greeter.left('b'); // while Ann is being greeted
    await finishNext();
    assert.deepEqual(events, ['start Hello Ann', 'end Hello Ann', 'start Hello Cy']);
    await finishNext();
    await greeter.idle();
  });

  it('greets a skipped person when they come back', async () => {
    const { greeter, events, finishNext } = threeWaiting();
    await settle();
    greeter.left('b');
    await finishNext(); // Ann
    await finishNext(); // Cy
    greeter.arrived('b');
    void greeter.greet('b', 'Bob');
    await finishNext();
    assert.deepEqual(
      events.filter((e) => e.startsWith('start')),
      ['start Hello Ann', 'start Hello Cy', 'start Hello Bob'],
    );
  });

  it('does not greet anyone in the set of people greeted before (the room memory)', async () => {
    const { say, events } = scriptedSay();
    const greeter = new Greeter('Hello {name}', say, undefined, new Set(['a']));
    greeter.arrived('a');
    void greeter.greet('a', 'Ann');
    await settle();
    assert.deepEqual(events, []);
    assert.equal(greeter.hasGreeted('a'), true);
  });

  it('skips a person who left before greet was called', async () => {
    const { say, events } = scriptedSay();
    const greeter = new Greeter('Hello {name}', say);
    greeter.arrived('a');
    greeter.left('a');
    void greeter.greet('a', 'Ann');
    await settle();
    assert.deepEqual(events, []);
  });

  it('replaces every {name} in the template', async () => {
    const texts: string[] = [];
    const greeter = new Greeter('{name}! Hello {name}, {name}.', async (text) => {
      texts.push(text);
    });
    assert.equal(greeter.textFor('Ann'), 'Ann! Hello Ann, Ann.');
    greeter.arrived('a');
    await greeter.greet('a', 'Ann');
    assert.deepEqual(texts, ['Ann! Hello Ann, Ann.']);
  });

  it('a template without {name} is said as is', async () => {
    const texts: string[] = [];
    const greeter = new Greeter('Welcome.', async (text) => {
      texts.push(text);
    });
    greeter.arrived('a');
    await greeter.greet('a', 'Ann');
    assert.deepEqual(texts, ['Welcome.']);
  });

  it('hands the "someone can hear" promise to say, so the greeting is prepared meanwhile', async () => {
    const got: (Promise<void> | undefined)[] = [];
    const greeter = new Greeter('Hi {name}', async (_text, heard) => void got.push(heard));
    const heard = Promise.resolve();
    greeter.arrived('a');
    await greeter.greet('a', 'Ana', heard);
    assert.deepEqual(got, [heard]);
  });

  it('adds the note as each greeting is said, asked at that moment', async () => {
    const texts: string[] = [];
    const notes = ['', ' Say my name.'];
    const greeter = new Greeter(
      'Hi {name}.',
      async (text) => void texts.push(text),
      () => notes.shift() ?? '',
    );
    greeter.arrived('a');
    greeter.arrived('b');
    await greeter.greet('a', 'Ana');
    await greeter.greet('b', 'Ben');
    assert.deepEqual(texts, ['Hi Ana.', 'Hi Ben. Say my name.']);
  });

  it('asks say to drop a greeting whose person left while it waited for the floor', async () => {
    const wantedNow: boolean[] = [];
    let finishReply: () => void = () => {};
    const floorFree = new Promise<void>((resolve) => (finishReply = resolve));
    // The floor is taken by a long reply: say asks `wanted` only once it is free.
    const greeter = new Greeter('Hi {name}', async (_text, _heard, wanted) => {
      await floorFree;
      wantedNow.push(wanted?.() ?? true);
    });
    greeter.arrived('a');
    const greeted = greeter.greet('a', 'Ana');
    await settle();
    greeter.left('a');
    finishReply();
    await greeted;
    assert.deepEqual(wantedNow, [false], 'no longer wanted once the floor is free');
    assert.equal(greeter.hasGreeted('a'), false, 'greeted if they come back');
  });
});
