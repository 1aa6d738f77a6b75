/**
 * Minimal text edits on the original source: every edit names a range of the original text, so
 * untouched bytes (comments, formatting) survive exactly. Removals of whole members or statements
 * take their leading comments and line with them, and do not leave doubled blank lines.
 */
import type { Node } from 'ts-morph';

export interface Edit {
  start: number;
  end: number;
  text: string;
  rule: string;
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  return i < 0 ? text.length : i + 1;
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

/** The range that removes `node` with its leading comments and its lines, when it owns them. */
export function removalRange(node: Node, text: string): { start: number; end: number } {
  const comments = node.getLeadingCommentRanges();
  let start = comments.length ? comments[0]!.getPos() : node.getStart();
  let end = node.getEnd();
  const ls = lineStart(text, start);
  if (!isBlank(text.slice(ls, start))) return { start, end };
  const le = lineEnd(text, end);
  const rest = text.slice(end, le);
  if (!isBlank(rest) && !/^\s*\/\/.*$/.test(rest.replace(/\r?\n$/, ''))) return { start, end };
  start = ls;
  end = le;
  const prevStart = start > 0 ? lineStart(text, start - 1) : 0;
  const prevLine = start > 0 ? text.slice(prevStart, start) : '';
  const nextLine = text.slice(end, lineEnd(text, end));
  if (start > 0 && isBlank(prevLine) && (isBlank(nextLine) || /^\s*[}\])]/.test(nextLine))) start = prevStart;
  else if (/\{\s*$/.test(prevLine) && isBlank(nextLine) && nextLine.length > 0) end = lineEnd(text, end);
  return { start, end };
}

export class EditSet {
  readonly edits: Edit[] = [];
  constructor(readonly text: string) {}

  replace(node: Node, newText: string, rule: string): void {
    this.edits.push({ start: node.getStart(), end: node.getEnd(), text: newText, rule });
  }

  replaceRange(start: number, end: number, newText: string, rule: string): void {
    this.edits.push({ start, end, text: newText, rule });
  }

  insert(pos: number, newText: string, rule: string): void {
    this.edits.push({ start: pos, end: pos, text: newText, rule });
  }

  remove(node: Node, rule: string): void {
    const { start, end } = removalRange(node, this.text);
    this.edits.push({ start, end, text: '', rule });
  }

  /** The text of `node` with the edits planned so far inside it applied (for edits that enclose others). */
  textOf(node: Node): string {
    const start = node.getStart();
    const end = node.getEnd();
    const inner = this.edits
      .filter((e) => e.start >= start && e.end <= end)
      .map((e) => ({ ...e, start: e.start - start, end: e.end - start }));
    return applyEdits(this.text.slice(start, end), inner);
  }

  /** Whether any edit touches [start, end). */
  touches(start: number, end: number): boolean {
    return this.edits.some((e) => e.start < end && e.end > start);
  }
}

/**
 * Applies edits to `text`. Edits inside a range another edit replaces are dropped (the outer edit
 * wins); a partial overlap is a planning bug and throws instead of producing garbled code.
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = edits.map((e) => ({ ...e })).sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Edit[] = [];
  for (const edit of sorted) {
    const last = kept[kept.length - 1];
    if (
      last &&
      edit.text === '' &&
      last.text === '' &&
      edit.start === last.end &&
      last.end > last.start &&
      edit.end > edit.start
    ) {
      last.end = edit.end;
      continue;
    }
    if (last && edit.start < last.end) {
      if (edit.text === '' && last.text === '') {
        // Two removals that both took the same blank line: remove their union.
        last.end = Math.max(last.end, edit.end);
        continue;
      }
      if (edit.end <= last.end && last.end > last.start) continue;
      throw new Error(`overlapping edits from rules ${last.rule} and ${edit.rule} at ${edit.start}`);
    }
    if (last && edit.start === last.end && edit.start === edit.end && last.start === last.end) {
      kept.push(edit);
      continue;
    }
    kept.push(edit);
  }
  // A removal right after a line ending in `{` does not leave a blank first line in the block.
  for (const edit of kept) {
    if (edit.text !== '' || edit.start === 0 || text[edit.start - 1] !== '\n') continue;
    const before = text.slice(text.lastIndexOf('\n', edit.start - 2) + 1, edit.start - 1);
    const nextEnd = text.indexOf('\n', edit.end);
    const nextLine = nextEnd >= 0 ? text.slice(edit.end, nextEnd) : '';
    if (
      before.trim() === '' &&
      edit.end > edit.start &&
      text[edit.end - 1] === '\n' &&
      nextEnd >= 0 &&
      nextLine.trim() === '' &&
      !kept.some((e) => e !== edit && e.start >= edit.end && e.start <= nextEnd)
    ) {
      edit.end = nextEnd + 1;
      continue;
    }
    if (
      /\{\s*$/.test(before) &&
      nextEnd >= 0 &&
      text.slice(edit.end, nextEnd).trim() === '' &&
      !kept.some((e) => e !== edit && e.start >= edit.end && e.start <= nextEnd)
    )
      edit.end = nextEnd + 1;
  }
  let out = '';
  let at = 0;
  for (const edit of kept) {
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}
