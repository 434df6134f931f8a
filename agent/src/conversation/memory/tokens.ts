/**
 * How many tokens a text costs a model, estimated from above without a tokenizer (one costs
 * 80 MB and a quarter of a second to load, and every provider counts differently): three
 * characters of ASCII to a token (English runs near four with GPT-4o's tokenizer, so this
 * overcounts by about a quarter), and a token for every other character (CJK, emoji, accents).
 * The bench checks the estimate against a real tokenizer (bench/src/session.ts).
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 3) + other;
}

/** A chat message's own cost beyond its text (role and separators). */
export const MESSAGE_OVERHEAD_TOKENS = 4;
