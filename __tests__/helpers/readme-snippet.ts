// Keeps the README's deployment snippets and their runnable twins in examples/ from drifting
// apart: every line of a snippet must be a line of the file, in the same order (the file may
// have more: comments, other blocks).
import { readFile } from 'node:fs/promises';

const root = new URL('../../', import.meta.url);

/** The README's fenced blocks of `language` that contain `marker`. */
export async function readmeSnippets(language: string, marker: string): Promise<string[]> {
  const readme = await readFile(new URL('README.md', root), 'utf8');
  const fence = new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g');
  return [...readme.matchAll(fence)].map((m) => m[1]!).filter((block) => block.includes(marker));
}

/**
 * The lines of `snippet` (trimmed, blank ones skipped) that are not found, in order, among the
 * lines of `examples/<file>`: `[]` when the snippet is the file's text.
 */
export async function linesMissingFrom(file: string, snippet: string): Promise<string[]> {
  const lines = (await readFile(new URL(`examples/${file}`, root), 'utf8'))
    .split('\n')
    .map((line) => line.trim());
  const missing: string[] = [];
  let at = 0;
  for (const wanted of snippet.split('\n').map((line) => line.trim())) {
    if (wanted === '') continue;
    const found = lines.indexOf(wanted, at);
    if (found === -1) missing.push(wanted);
    else at = found + 1;
  }
  return missing;
}
