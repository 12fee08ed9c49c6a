/** Problems found while loading a scenario, each pinned to `file:line:col`, with a stable code. */

export type ProblemCode =
  | 'MX_YAML' // the file is not valid YAML
  | 'MX_UNKNOWN_KEY' // a key the schema does not know
  | 'MX_TYPE' // a value of the wrong type
  | 'MX_VALUE' // a value out of range or not one of the allowed ones
  | 'MX_UNKNOWN_REPLY' // a reply id that is not in the catalog
  | 'MX_REPLY' // a reply that is malformed (bad code, enhanced code of another class…)
  | 'MX_STAGE' // a condition or action that cannot apply at the rule's stage
  | 'MX_DUPLICATE' // two rules with the same id
  | 'MX_EXTENDS' // the scenario it extends cannot be found or extends itself
  | 'MX_FILE'; // the file cannot be read

export interface Problem {
  readonly code: ProblemCode;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export const formatProblem = (p: Problem): string => `${p.file}:${p.line}:${p.column}: ${p.message}`;

export class ScenarioError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}
