/** The built-in `search` tool: a web search (Tavily), its short answer and its top results. */
import { z } from 'zod';
import type { TavilySearch } from '../../providers/search/tavily.js';
import { defineTool } from './tool.js';

/** Results given to the model; each result's text is cut to RESULT_CHARS. */
export const MAX_RESULTS = 3;
const RESULT_CHARS = 500;

export function webSearchTool(search: TavilySearch) {
  return defineTool({
    name: 'web_search',
    description:
      'Searches the web for current facts the conversation needs (news, opening hours, prices, ' +
      'weather, anything after your training). Returns a short answer and the top results.',
    parameters: z.object({
      query: z.string().trim().min(1).max(400).describe('What to search for, in a few words.'),
    }),
    sideEffects: false,
    run: async ({ query }, { signal }) => {
      const found = await search.search(
        { query, maxResults: MAX_RESULTS, includeAnswer: true },
        signal,
      );
      return {
        ...(found.answer ? { answer: found.answer } : {}),
        results: found.results.slice(0, MAX_RESULTS).map((r) => ({
          title: r.title,
          url: r.url,
          content:
            r.content.length > RESULT_CHARS ? `${r.content.slice(0, RESULT_CHARS)}...` : r.content,
        })),
      };
    },
    close: async () => search.close(),
  });
}
