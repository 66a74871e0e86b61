/**
 * The README's table of flow-level keys, generated from FLOW_KEYS (config-keys.ts) so the two can
 * never disagree. `npm run docs:config` (scripts/config-docs.ts) rewrites the section between
 * {@link BEGIN_MARKER} and {@link END_MARKER}; config-docs.test.ts fails when README.md is stale.
 */
import { FLOW_KEYS, type FlowKeySpec } from './config-keys.ts';

/** First line of the generated section in README.md. */
export const BEGIN_MARKER = '<!-- BEGIN config-keys: generated from engine/config/config-keys.ts by `npm run docs:config`; do not edit -->';
/** Last line of the generated section in README.md. */
export const END_MARKER = '<!-- END config-keys -->';

/** A Markdown table cell: pipes escaped, so a regex such as `a|b` cannot split the row. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (text: string): string => `\`${text}\``;

function typeCell(spec: FlowKeySpec): string {
  const values = spec.type.values;
  return values === undefined ? spec.type.label : values.map(code).join(' or ');
}

function originCell(spec: FlowKeySpec): string {
  if (spec.origin === 'ours') return 'ours';
  return 'mm2Default' in spec && spec.mm2Default !== undefined ? `MM2 (default ${code(spec.mm2Default)})` : 'MM2';
}

/** The Markdown table of every flow-level key: key, type, default, origin (MM2 default where ours differs), description. */
export function renderFlowKeyTable(): string {
  const rows = FLOW_KEYS.map((spec) =>
    `| ${[code(spec.key), typeCell(spec), code(spec.default), originCell(spec), spec.doc].map(cell).join(' | ')} |`);
  return ['| key | type | default | origin | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}

/**
 * `readme` with the text between the markers replaced by {@link renderFlowKeyTable}. Throws Error
 * when the markers are missing or out of order (nothing to replace safely).
 */
export function withGeneratedKeyTable(readme: string): string {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`README.md needs the lines ${BEGIN_MARKER} and ${END_MARKER}, in that order`);
  return `${readme.slice(0, begin)}${BEGIN_MARKER}\n${renderFlowKeyTable()}\n${readme.slice(end)}`;
}
