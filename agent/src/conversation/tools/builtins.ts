/**
 * The tools that come with the agent (AGENT_TOOLS): `time` (today's date and the time now) and
 * `search` (the web, through Tavily: only when TAVILY_API_KEY is set).
 */
import type { Logger } from '../../log.js';
import { TavilySearch } from '../../providers/search/tavily.js';
import { ToolRegistry } from './registry.js';
import type { Tool } from './tool.js';
import { timeTool } from './time.js';
import { webSearchTool } from './web_search.js';

export const BUILT_IN_TOOLS = ['time', 'search'] as const;
export type BuiltInToolName = (typeof BUILT_IN_TOOLS)[number];

export interface BuiltInToolSettings {
  enabled: readonly BuiltInToolName[];
  /** The `time` tool's zone when the model names none (AGENT_TIMEZONE). */
  timeZone: string;
  tavily: { apiKey: string | undefined; baseURL: string };
  /** A tool that takes longer is stopped, and the model told so (AGENT_TOOL_TIMEOUT_MS). */
  timeoutMs: number;
}

/** The registry of the enabled built-in tools (empty when none is enabled or usable). */
export function builtInTools(settings: BuiltInToolSettings, log?: Logger): ToolRegistry {
  const tools: Tool[] = [];
  for (const name of settings.enabled) {
    if (name === 'time') tools.push(timeTool(settings.timeZone));
    if (name === 'search') {
      const { apiKey, baseURL } = settings.tavily;
      if (apiKey === undefined) {
        log?.info({ tool: name }, 'tool off: no TAVILY_API_KEY');
        continue;
      }
      // The registry's time limit bounds the whole search; each request gets the same.
      const search = new TavilySearch({ baseURL, apiKey, timeoutMs: settings.timeoutMs, log });
      tools.push(webSearchTool(search));
    }
  }
  return new ToolRegistry(tools, { timeoutMs: settings.timeoutMs, log });
}
