/** The file's own style, detected from its text, so generated code looks like the code around it. */
export interface Style {
  quote: "'" | '"';
  semicolon: boolean;
  /** One indentation level. */
  indent: string;
  newline: '\n' | '\r\n';
}

export function detectStyle(text: string): Style {
  const singles = (text.match(/from '[^']*'/g) ?? []).length + (text.match(/'[^'\n]*'/g) ?? []).length;
  const doubles = (text.match(/from "[^"]*"/g) ?? []).length + (text.match(/"[^"\n]*"/g) ?? []).length;
  const lines = text.split('\n');
  let withSemi = 0;
  let withoutSemi = 0;
  const steps = new Map<string, number>();
  let previous = 0;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*')) continue;
    if (/^(import|export|const|let|return)\b/.test(trimmed)) {
      if (trimmed.endsWith(';')) withSemi++;
      else if (!/[{,([]$/.test(trimmed)) withoutSemi++;
    }
    if (line.startsWith('\t')) steps.set('\t', (steps.get('\t') ?? 0) + 1);
    const spaces = /^( *)/.exec(line)![1]!.length;
    if (spaces > previous && spaces - previous <= 8) {
      const step = ' '.repeat(spaces - previous);
      steps.set(step, (steps.get(step) ?? 0) + 1);
    }
    previous = spaces;
  }
  let indent = '  ';
  let best = 0;
  for (const [step, count] of [...steps].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (count > best) {
      best = count;
      indent = step;
    }
  }
  return {
    quote: doubles > singles ? '"' : "'",
    semicolon: withSemi >= withoutSemi,
    indent,
    newline: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

export function quoted(value: string, style: Style): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(new RegExp(style.quote, 'g'), `\\${style.quote}`);
  return `${style.quote}${escaped}${style.quote}`;
}

/** Applies the file's quotes, semicolons and newlines to generated code (written with single quotes and semicolons). */
export function styled(code: string, style: Style): string {
  let out = code;
  if (style.quote === '"') out = out.replace(/'([^'\n\\]*)'/g, (_m, s: string) => `"${s.replace(/"/g, '\\"')}"`);
  if (!style.semicolon) out = out.replace(/;$/gm, '');
  if (style.newline === '\r\n') out = out.replace(/\r?\n/g, '\r\n');
  return out;
}
