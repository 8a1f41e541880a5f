// Reads the machine's osinfo-db (Debian package `osinfo-db`) into the rules' GuestKnowledge.
// I/O lives here, never in src/rules.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { GuestKnowledge } from '../model/index.ts';
import { knowledgeFromOsinfo, type OsinfoOs } from './knowledge.ts';

export const DEFAULT_OSINFO_DB_PATH = '/usr/share/osinfo';

const REPEATED = new Set(['libosinfo.os', 'libosinfo.os.short-id', 'libosinfo.os.derives-from', 'libosinfo.os.clones', 'libosinfo.os.devices.device']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false, // versions such as 22.04 must stay strings
  isArray: (_name, jpath) => REPEATED.has(String(jpath)),
});

type XmlNode = Record<string, unknown>;

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (value && typeof value === 'object' && '#text' in value) return text((value as XmlNode)['#text']);
  return null;
}

function ids(value: unknown): string[] {
  return Array.isArray(value) ? value.map((link) => String((link as XmlNode)['@id'])) : [];
}

/** The `<os>` elements of one osinfo-db XML document. */
export function parseOsinfoXml(xml: string): OsinfoOs[] {
  const root = parser.parse(xml) as { libosinfo?: { os?: XmlNode[] } };
  return (root.libosinfo?.os ?? []).flatMap((os): OsinfoOs[] => {
    const id = os['@id'];
    const distro = text(os['distro']);
    if (typeof id !== 'string' || distro === null) return [];
    const links = ((os['devices'] as XmlNode | undefined)?.['device'] ?? []) as XmlNode[];
    return [{
      id,
      shortIds: (Array.isArray(os['short-id']) ? os['short-id'] : []).map(text).filter((s): s is string => s !== null),
      distro: distro.toLowerCase(),
      family: text(os['family'])?.toLowerCase() ?? 'unknown',
      version: text(os['version']),
      inheritsFrom: [...ids(os['derives-from']), ...ids(os['clones'])],
      devices: Object.fromEntries(links.map((link) => [String(link['@id']), link['@supported'] !== 'false'])),
    }];
  });
}

function xmlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return xmlFiles(path);
    return name.endsWith('.xml') ? [path] : [];
  });
}

/**
 * Loads `<dbPath>/os/**.xml` (settings' `OSINFO_DB_PATH`, default /usr/share/osinfo). Returns null when the
 * database is absent, so the caller keeps the built-in table.
 */
export function loadOsinfoKnowledge(builtin: GuestKnowledge, dbPath: string = DEFAULT_OSINFO_DB_PATH): GuestKnowledge | null {
  const osDir = join(dbPath, 'os');
  try {
    if (!statSync(osDir).isDirectory()) return null;
  } catch {
    return null;
  }
  const oses = xmlFiles(osDir).flatMap((file) => parseOsinfoXml(readFileSync(file, 'utf8')));
  let version = 'unknown';
  try {
    version = readFileSync(join(dbPath, 'VERSION'), 'utf8').trim();
  } catch {
    // Older databases have no VERSION file; the path alone identifies them.
  }
  return knowledgeFromOsinfo(oses, builtin, `${dbPath} (VERSION ${version})`);
}
