// @ts-check
/**
 * Lint rules for the layers of docs/architecture.json: an import along one of its "never"
 * arrows is an error, and code outside the sync engine reaches it only through its front door
 * (src/sync/index.ts). The picture is read from the JSON, so the lint and the picture cannot
 * drift apart.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** @type {{ parts: Record<string, { is: string[] }>, never: [string, string, string?][] }} */
const picture = JSON.parse(readFileSync(join(root, 'docs', 'architecture.json'), 'utf8'));

/** Folder or file prefixes → part, longest first. */
const prefixes = Object.entries(picture.parts)
  .flatMap(([part, { is }]) => is.map((path) => ({ part, path })))
  .sort((a, b) => b.path.length - a.path.length);

/** @param {string} file repository-relative, with forward slashes */
export function partOf(file) {
  for (const { part, path } of prefixes) {
    if (
      path.endsWith('/')
        ? file.startsWith(path)
        : file === path || file.startsWith(`${path.replace(/\.ts$/, '')}.`)
    )
      return part;
  }
  return undefined;
}

const never = new Map(picture.never.map(([from, to, why]) => [`${from}→${to}`, why ?? '']));

const ENGINE = 'src/sync/';
const FRONT_DOOR = new Set(['src/sync', 'src/sync/index', 'src/sync/index.ts']);

/** @param {string} file */
const repoPath = (file) => relative(root, file).split(sep).join('/');

/** @type {import('eslint').Rule.RuleModule} */
const neverArrows = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports must not follow a "never" arrow of docs/architecture.json.' },
    schema: [],
  },
  create(context) {
    const file = repoPath(context.filename);
    const from = partOf(file);
    /** @param {import('estree').Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = repoPath(resolve(dirname(context.filename), source));
      const to = partOf(target) ?? partOf(`${target}.ts`) ?? partOf(`${target}/`);
      if (from !== undefined && to !== undefined && from !== to) {
        const why = never.get(`${from}→${to}`);
        if (why !== undefined)
          context.report({ node, message: `${from} must never import ${to} (${target}): ${why}` });
      }
      if (
        file.startsWith('src/') &&
        !file.startsWith(ENGINE) &&
        target.startsWith(ENGINE) &&
        !FRONT_DOOR.has(target)
      )
        context.report({
          node,
          message: `the sync engine is reached only through its front door (src/sync/index.ts), not ${target}`,
        });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) =>
        node.source.type === 'Literal' ? check(node, node.source.value) : undefined,
    };
  },
};

export default { rules: { 'never-arrows': neverArrows } };
