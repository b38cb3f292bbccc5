/**
 * Productionize roles as cell tags: reading a cell's role and rewriting its tags.
 *
 * Mirrors `nbops/productionize/tags.py` (the server is the judge; this only edits and
 * labels). Tags that are not nbops roles (papermill's, the user's) are always kept.
 */

/** Roles a cell can be given from the toolbar; a step also carries a name. */
export type CellRole = 'parameters' | 'setup' | 'library' | 'step' | 'metrics' | 'test' | 'skip';

export const ROLES: CellRole[] = [
  'parameters',
  'setup',
  'library',
  'step',
  'metrics',
  'test',
  'skip'
];

/** Tag -> role, aliases included (Kale's, papermill's). */
const ROLE_TAGS: Record<string, CellRole> = {
  parameters: 'parameters',
  'pipeline-parameters': 'parameters',
  'injected-parameters': 'parameters',
  setup: 'setup',
  imports: 'setup',
  library: 'library',
  functions: 'library',
  metrics: 'metrics',
  'pipeline-metrics': 'metrics',
  test: 'test',
  skip: 'skip'
};

const STEP_PREFIXES = ['step:', 'block:'];
const AFTER_PREFIXES = ['after:', 'prev:'];

/** What a cell's tags say, for its badge. */
export interface ICellRoleInfo {
  role: CellRole | null;
  step: string | null;
  after: string[];
  metrics: boolean;
}

function stepName(tag: string, prefixes: string[]): string | null {
  const prefix = prefixes.find(p => tag.startsWith(p));
  return prefix ? tag.slice(prefix.length).trim() : null;
}

/** True for tags this module owns (roles, step:/block:, after:/prev:). */
export function isRoleTag(tag: string): boolean {
  const trimmed = tag.trim();
  return (
    trimmed in ROLE_TAGS ||
    stepName(trimmed, STEP_PREFIXES) !== null ||
    stepName(trimmed, AFTER_PREFIXES) !== null
  );
}

/** The role the tags give: skip wins, a step name beats a bare metrics tag. */
export function readRole(tags: ReadonlyArray<string>): ICellRoleInfo {
  const info: ICellRoleInfo = { role: null, step: null, after: [], metrics: false };
  const roles = new Set<CellRole>();
  for (const raw of tags) {
    const tag = raw.trim();
    const step = stepName(tag, STEP_PREFIXES);
    const after = stepName(tag, AFTER_PREFIXES);
    if (step !== null) {
      info.step = info.step ?? step;
      roles.add('step');
    } else if (after !== null) {
      info.after.push(after);
    } else if (ROLE_TAGS[tag] === 'metrics') {
      info.metrics = true;
    } else if (tag in ROLE_TAGS) {
      roles.add(ROLE_TAGS[tag]);
    }
  }
  if (roles.has('skip')) {
    info.role = 'skip';
  } else if (roles.size > 0) {
    info.role = [...roles][0];
  } else if (info.metrics) {
    info.role = 'metrics';
  }
  return info;
}

/** A short label for the badge, e.g. "step: train", "parameters". */
export function roleLabel(info: ICellRoleInfo): string | null {
  if (info.role === null) {
    return null;
  }
  let label = info.role === 'step' ? `step: ${info.step}` : info.role;
  if (info.metrics && info.role === 'step') {
    label += ' + metrics';
  }
  return label;
}

/**
 * The tags with the cell's role replaced by `role` (`null` clears every nbops tag).
 * One step tag per cell; `after:` tags survive a role change but not a clear.
 */
export function withRole(
  tags: ReadonlyArray<string>,
  role: CellRole | null,
  step?: string
): string[] {
  const kept = tags.filter(tag => !isRoleTag(tag));
  if (role === null) {
    return kept;
  }
  const after = tags.filter(tag => stepName(tag.trim(), AFTER_PREFIXES) !== null);
  const added = role === 'step' ? [`step:${normalizeStepName(step ?? '')}`] : [role];
  return [...kept, ...added, ...after];
}

/** A step name as the server accepts it: a Python identifier. */
export function normalizeStepName(name: string): string {
  return name.trim().replace(/\W+/g, '_');
}

/** Whether `name` can be a step name (a Python identifier, not starting with a digit). */
export function isValidStepName(name: string): boolean {
  return /^[A-Za-z_]\w*$/.test(normalizeStepName(name));
}

/** Step names used in a notebook, in order of first use. */
export function stepNames(cellTags: Iterable<ReadonlyArray<string>>): string[] {
  const names: string[] = [];
  for (const tags of cellTags) {
    const step = readRole(tags).step;
    if (step && !names.includes(step)) {
      names.push(step);
    }
  }
  return names;
}
