// Output formats of the answering commands, after openstackclient (cliff's ShowOne): `-f json|yaml|table|value`
// with `-c COLUMN` (repeatable) picking top-level fields and `--noindent` for JSON; the default `text` is
// format.ts. For CI: `junit` (one testsuite per command run, one testcase per finding, errors as <failure>) and
// `sarif` (SARIF 2.1.0, one result per finding, rules from the findings catalog).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { XMLBuilder } from 'fast-xml-parser';
import { stringify as toYaml } from 'yaml';
import { FINDINGS } from '../rules/findings/catalog.ts';
import type { ValidationResult } from '../schemas/validation.ts';
import { InputError } from './input.ts';

type Finding = ValidationResult['findings'][number];

export const FORMATS = ['text', 'json', 'yaml', 'table', 'value', 'junit', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

export interface OutputOptions {
  format?: Format;
  /** `--json`: kept as `-f json`. */
  json?: boolean;
  column: string[];
  noindent?: boolean;
}

/** What the findings are about, for JUnit and SARIF: the command and its subject (the file, image or flavor). */
export interface Subject {
  command: string;
  /** The input file (`-` is stdin), image or flavor the findings are about. */
  name: string;
  /** A file the findings can point at, for SARIF locations. */
  file?: string;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function formatOf(opts: OutputOptions): Format {
  return opts.json ? 'json' : (opts.format ?? 'text');
}

/** The answer's top-level fields `-c` asked for, in the answer's order (as cliff keeps its column order). */
function columns(answer: Record<string, unknown>, wanted: string[]): Record<string, unknown> {
  if (wanted.length === 0) return answer;
  const unknown = wanted.filter((c) => !(c in answer));
  if (unknown.length > 0) throw new InputError(`no column ${unknown.join(', ')}; columns are ${Object.keys(answer).join(', ')}`);
  return Object.fromEntries(Object.entries(answer).filter(([k]) => wanted.includes(k)));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One cell of `table` / `value`: scalars as they are, findings and advised values one per line, the rest as JSON. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map(item).join('\n');
  return JSON.stringify(value);
}

function item(v: unknown): string {
  if (!isRecord(v)) return cell(v);
  if (typeof v['severity'] === 'string' && typeof v['id'] === 'string') {
    return `${v['severity']} ${v['id']}${v['field'] ? ` [${String(v['field'])}]` : ''}: ${String(v['message'])}`;
  }
  if (typeof v['key'] === 'string' && 'value' in v) return `${v['key']}=${String(v['value'])}`;
  if (typeof v['fact'] === 'string' && 'value' in v) return `${v['fact']}=${String(v['value'])} (${String(v['origin'])})`;
  return JSON.stringify(v);
}

/** cliff's table of a ShowOne: Field | Value, a multi-line value on several rows. */
function table(fields: Record<string, unknown>): string {
  const rows = Object.entries(fields).map(([k, v]) => [k, cell(v).split('\n')] as const);
  const w1 = Math.max(5, ...rows.map(([k]) => k.length));
  const w2 = Math.max(5, ...rows.flatMap(([, lines]) => lines.map((l) => l.length)));
  const rule = `+${'-'.repeat(w1 + 2)}+${'-'.repeat(w2 + 2)}+`;
  const line = (a: string, b: string) => `| ${a.padEnd(w1)} | ${b.padEnd(w2)} |`;
  const body = rows.flatMap(([k, lines]) => lines.map((l, i) => line(i === 0 ? k : '', l)));
  return [rule, line('Field', 'Value'), rule, ...body, rule].map((l) => `${l}\n`).join('');
}

/** SARIF and JUnit levels: Nova refuses it (error), it works badly (warning), worth knowing (note / info). */
const SARIF_LEVEL: Record<Finding['severity'], 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** Where docs/findings.md of this installation is: SARIF wants an absolute URI, and the package ships the docs. */
const FINDINGS_DOC = new URL('../../docs/findings.md', import.meta.url).href;

function evidenceText(f: Finding): string {
  return f.evidence.map((e) => `${e.source} ${e.ref}${e.value === undefined ? '' : `=${String(e.value)}`}`).join('\n');
}

/**
 * JUnit XML as the Ant / Jenkins schema (junit-4.xsd) requires it: testsuites > testsuite (name, tests, failures,
 * errors, skipped, time, timestamp, hostname, id, package) > properties, testcase (name, classname, time), system-out,
 * system-err. Errors are failures; warnings and info pass, their message in the testcase's system-out, as the
 * exit code lets them pass. No finding: one passing testcase, so the run shows as a result.
 */
function junit(answer: { findings: Finding[]; verdict?: string }, subject: Subject): string {
  const classname = `nova-advisor.${subject.command}`;
  const cases: Record<string, unknown>[] = answer.findings.map((f) => ({
    '@_name': `${f.id}${f.field ? ` [${f.field}]` : ''}`,
    '@_classname': classname,
    '@_time': '0',
    ...(f.severity === 'error'
      ? { failure: { '@_message': f.message, '@_type': f.id, '#text': evidenceText(f) } }
      : { 'system-out': `${f.severity}: ${f.message}` }),
  }));
  if (cases.length === 0) cases.push({ '@_name': `verdict ${answer.verdict ?? 'pass'}`, '@_classname': classname, '@_time': '0' });
  const failures = answer.findings.filter((f) => f.severity === 'error').length;
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'nova-advisor',
      '@_tests': cases.length,
      '@_failures': failures,
      '@_errors': 0,
      testsuite: {
        '@_name': `nova-advisor ${subject.command} ${subject.name}`,
        '@_package': 'nova-advisor',
        '@_id': 0,
        '@_tests': cases.length,
        '@_failures': failures,
        '@_errors': 0,
        '@_skipped': 0,
        '@_time': '0',
        '@_timestamp': new Date().toISOString().slice(0, 19),
        '@_hostname': hostname(),
        properties: { property: [{ '@_name': 'verdict', '@_value': answer.verdict ?? '' }] },
        testcase: cases,
        'system-out': '',
        'system-err': '',
      },
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  return builder.build(doc) as string;
}

/** SARIF 2.1.0 (OASIS): one run, rules of the findings that occur from the catalog, one result per finding. */
function sarif(answer: { findings: Finding[] }, subject: Subject): string {
  const ids = [...new Set(answer.findings.map((f) => f.id))];
  const rules = ids.map((id) => {
    const def = FINDINGS.find((f) => f.id === id);
    return {
      id,
      shortDescription: { text: def?.trigger ?? id },
      help: { text: def?.remedy ?? '' },
      helpUri: `${FINDINGS_DOC}#${id}`,
      defaultConfiguration: { level: SARIF_LEVEL[def?.severity ?? 'info'] },
      properties: { source: def?.source ?? '' },
    };
  });
  const results = answer.findings.map((f) => ({
    ruleId: f.id,
    ruleIndex: ids.indexOf(f.id),
    level: SARIF_LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        ...(subject.file && { physicalLocation: { artifactLocation: { uri: subject.file } } }),
        logicalLocations: [{ name: f.field ?? subject.name, fullyQualifiedName: `${subject.name}${f.field ? `/${f.field}` : ''}`, kind: 'member' }],
      },
    ],
    properties: { evidence: f.evidence },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'nova-advisor', version: VERSION, informationUri: FINDINGS_DOC, rules } }, results }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** The answer in the chosen format; `text` is the command's own readable rendering. */
export function render<T extends { findings: Finding[] }>(answer: T, opts: OutputOptions, subject: Subject, text: (a: T) => string): string {
  const format = formatOf(opts);
  if (format !== 'text' && format !== 'junit' && format !== 'sarif') {
    const fields = columns(answer as unknown as Record<string, unknown>, opts.column);
    if (format === 'json') return `${JSON.stringify(fields, null, opts.noindent ? undefined : 2)}\n`;
    if (format === 'yaml') return toYaml(fields);
    if (format === 'table') return table(fields);
    return Object.values(fields).map((v) => `${cell(v)}\n`).join('');
  }
  if (opts.column.length > 0) throw new InputError(`-c applies to -f json, yaml, table and value, not ${format}`);
  if (format === 'junit') return junit(answer, subject);
  if (format === 'sarif') return sarif(answer, subject);
  return text(answer);
}
