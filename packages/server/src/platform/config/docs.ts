import { configLeaves } from './load.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** `docs/configuration.md`, generated from the schema (`npm run docs:config`; a test keeps it in step). */
export function configurationMarkdown(): string {
  const rows = configLeaves().map((leaf) => {
    const type = leaf.enum ? leaf.enum.map((e) => `\`${String(e)}\``).join(' \\| ') : leaf.type;
    const def = leaf.default === undefined ? '—' : `\`${JSON.stringify(leaf.default)}\``;
    return `| \`${leaf.path.join('.')}\` | ${type} | ${def} | \`${leaf.env}\` | ${cell(leaf.description ?? '')} |`;
  });
  return `# Configuration

<!-- Generated from packages/server/src/platform/config/schema.ts by \`npm run docs:config\`. Do not edit. -->

Parley reads its settings from, in rising precedence:

1. the defaults below,
2. a YAML file given with \`--config FILE\` or \`PARLEY_CONFIG\`,
3. environment variables (\`PARLEY_*\`, listed per setting),
4. command-line flags of \`parley serve\` (\`--data\`, \`--db\`, \`--http-host\`, \`--http-port\`, \`--sip-port\`, \`--sip-tls-port\`, \`--no-sip\`, \`--csta-port\`, \`--no-csta\`, \`--xmpp-port\`, \`--xmpps-port\`, \`--xmpp-s2s-port\`, \`--xmpp-component-port\`, \`--no-xmpp\`, \`--log-level\`).

Unknown keys are errors. An invalid configuration is reported with every problem and its path, and
the server exits with a non-zero status before it opens any port. Check a file without starting
anything with \`parley config check FILE\`.

Example file:

\`\`\`yaml
dataDir: /var/lib/parley
database:
  url: postgres://parley@127.0.0.1:5432/parley
http:
  host: 0.0.0.0
  port: 8080
log:
  level: info
\`\`\`

| key | type | default | environment | description |
|---|---|---|---|---|
${rows.join('\n')}
`;
}
