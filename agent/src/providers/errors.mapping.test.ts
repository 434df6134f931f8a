import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import {
  closeError,
  isRetryableStatus,
  parseRetryAfter,
  retryAfterFromHeaders,
  toProviderError,
} from './errors.js';
import { ProviderError } from './types.js';

const label = { provider: 'fake', kind: 'llm' as const };

describe('HTTP status -> retryable', () => {
  it('retries 408, 409, 429 and 5xx; never 400, 401, 403, 404, 422', () => {
    for (const s of [408, 409, 429, 500, 502, 503, 504])
      assert.equal(isRetryableStatus(s), true, `${s}`);
    for (const s of [400, 401, 403, 404, 422, 501])
      assert.equal(isRetryableStatus(s), false, `${s}`);
  });
});

describe('retry-after', () => {
  it('reads delta-seconds, fractions and HTTP dates', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    assert.equal(parseRetryAfter('2', now), 2000);
    assert.equal(parseRetryAfter(' 0.5 ', now), 500);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:03 GMT', now), 3000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0, 'a past date: now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-3', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it("prefers OpenAI's retry-after-ms", () => {
    const headers = new Headers({ 'retry-after-ms': '250', 'retry-after': '3' });
    assert.equal(
      retryAfterFromHeaders((n) => headers.get(n)),
      250,
    );
  });
});

describe('toProviderError', () => {
  it('keeps the status and retry-after of an openai APIError', () => {
    const err = APIError.generate(
      429,
      { error: { message: 'slow down' } },
      undefined,
      new Headers({ 'retry-after': '1' }),
    );
    const mapped = toProviderError(err, label);
    assert.equal(mapped.status, 429);
    assert.equal(mapped.retryable, true);
    assert.equal(mapped.retryAfterMs, 1000);
    assert.equal(mapped.provider, 'fake');
    assert.equal(mapped.cause, err);

    const unauthorised = toProviderError(
      APIError.generate(401, { error: { message: 'bad key' } }, undefined, new Headers()),
      label,
    );
    assert.equal(unauthorised.retryable, false);
    assert.equal(unauthorised.status, 401);
  });

  it('connection failures and resets are retryable', () => {
    assert.equal(
      toProviderError(new APIConnectionError({ message: 'Connection error.' }), label).retryable,
      true,
    );
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.equal(
      toProviderError(new TypeError('fetch failed', { cause: reset }), label).retryable,
      true,
    );
    assert.equal(toProviderError(new TypeError('terminated'), label).retryable, true);
  });

  it('aborts and unknown errors are not retryable; ProviderErrors pass through', () => {
    assert.equal(toProviderError(new APIUserAbortError(), label).retryable, false);
    assert.equal(toProviderError(new DOMException('stop', 'AbortError'), label).retryable, false);
    assert.equal(toProviderError(new SyntaxError('Unexpected token'), label).retryable, false);
    const original = new ProviderError({ ...label, message: 'x', retryable: true });
    assert.equal(toProviderError(original, label), original);
  });

  it('WebSocket closes: abnormal and server errors are retryable, policy errors are not', () => {
    assert.equal(closeError(label, 1006, '').retryable, true);
    assert.equal(closeError(label, 1011, 'internal').retryable, true);
    assert.equal(closeError(label, 1008, 'policy').retryable, false);
    assert.equal(closeError(label, 1006, '').status, 1006);
  });
});
