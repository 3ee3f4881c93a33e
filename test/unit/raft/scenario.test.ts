import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Scenario } from './scenario';

/**
 * Replays test/unit/raft/testdata/*.txt. Each block is a command, `----`, and the expected
 * output. Set RAFT_REWRITE=1 to regenerate the expected outputs after a deliberate change.
 */
const dir = path.resolve(__dirname, '../../../../test/unit/raft/testdata');

interface Block {
  comments: string[];
  cmd: string;
  expected: string;
}

function parse(text: string): Block[] {
  const blocks: Block[] = [];
  for (const chunk of text.split(/\n\s*\n(?=\S)/)) {
    const lines = chunk.replace(/^\n+/, '').split('\n');
    const comments: string[] = [];
    while (lines.length && lines[0].startsWith('#')) comments.push(lines.shift()!);
    if (!lines[0]) continue;
    const sep = lines.indexOf('----');
    if (sep !== 1) throw new Error(`malformed block (command, then ----): ${lines.slice(0, 2).join(' | ')}`);
    blocks.push({ comments, cmd: lines[0], expected: lines.slice(2).join('\n').trimEnd() });
  }
  return blocks;
}

describe('raft core: text scenarios (testdata/*.txt)', () => {
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.txt'))
        .sort()
    : [];
  for (const f of files) {
    it(f.replace(/\.txt$/, ''), () => {
      const file = path.join(dir, f);
      const blocks = parse(fs.readFileSync(file, 'utf8'));
      const s = new Scenario();
      const outputs = blocks.map((b) => s.run(b.cmd));
      if (process.env.RAFT_REWRITE === '1') {
        fs.writeFileSync(
          file,
          blocks.map((b, i) => `${b.comments.map((c) => `${c}\n`).join('')}${b.cmd}\n----\n${outputs[i]}\n`).join('\n'),
        );
        return;
      }
      blocks.forEach((b, i) => assert.equal(outputs[i], b.expected, `${f}: after \`${b.cmd}\``));
    });
  }
});
