// The layer rule of src/ (docs/ARCHITECTURE.md): a command's folder (src/commands/<verb>/) imports
// the layers below and never another command's folder; the layers below (src/runner, steps,
// remote, hsts, ssh, inventory, ui, util, facts) import neither a command nor src/cli. Imports
// are resolved from the importing file, so `../status/cli.js` and `../../commands/status/cli.js`
// are judged alike; type-only imports count too.
import path from 'node:path';

export const LOWER_LAYERS = ['runner', 'steps', 'remote', 'hsts', 'ssh', 'inventory', 'ui', 'util', 'facts'];

/** Where a file stands under src/: `{ top: 'commands', command: 'status' }`, or null outside src/. */
function placeOf(file) {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('src');
  if (at < 0 || at + 1 >= parts.length) return null;
  const top = parts[at + 1];
  return { top, command: top === 'commands' && parts.length > at + 3 ? parts[at + 2] : undefined };
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'a command imports no other command; the layers below import no command and no cli/' },
    schema: [],
    messages: {
      otherCommand: 'src/commands/{{from}}/ may not import src/commands/{{to}}/: a command imports the layers below, never another command (move what both use down into a shared layer)',
      upward: 'src/{{from}}/ is a layer below the commands and may not import src/{{to}}/',
    },
  },
  create(context) {
    const from = placeOf(path.resolve(context.filename));
    if (!from) return {};
    const check = (node, specifier) => {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const to = placeOf(path.resolve(path.dirname(path.resolve(context.filename)), specifier));
      if (!to) return;
      if (from.top === 'commands' && to.top === 'commands' && from.command !== to.command) {
        context.report({ node, messageId: 'otherCommand', data: { from: from.command, to: to.command } });
      } else if (LOWER_LAYERS.includes(from.top) && (to.top === 'commands' || to.top === 'cli')) {
        context.report({ node, messageId: 'upward', data: { from: from.top, to: to.top === 'commands' ? `commands/${to.command ?? ''}` : 'cli' } });
      }
    };
    const source = (node) => { if (node.source) check(node.source, node.source.value); };
    return {
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression: (node) => { if (node.source.type === 'Literal') check(node.source, node.source.value); },
      TSImportType: (node) => {
        const literal = node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument;
        if (literal?.type === 'Literal') check(literal, literal.value);
      },
    };
  },
};

export default { meta: { name: 'hsts-cluster-layers' }, rules: { 'layer-rule': rule } };
