// The structure check sees a file in arbitrary chunks: every decision must hold across chunk boundaries.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvStructureCheck } from './csv-structure.ts';

/** Streams `bytes` through the check in chunks of `size` bytes; the text it passes on, or the error message. */
async function check(bytes: Buffer, size: number, maxQuotedLines = 3): Promise<string> {
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
  const checker = Readable.from(chunks).pipe(new CsvStructureCheck({ label: 'f.csv', delimiter: ',', maxQuotedLines }));
  let text = '';
  try {
    for await (const piece of checker) text += piece as string;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
  return text;
}

describe('CsvStructureCheck', () => {
  it('passes a well-formed file through unchanged, at every chunk size', async () => {
    // Escaped quotes, a quote inside an unquoted field, CRLF, a quoted CRLF-file LF, and a 4-byte emoji.
    const file = Buffer.from('a,b\r\n"x ""y""",5" screen\r\n"multi\nline",😀é\r\n');
    for (const size of [1, 2, 3, 7, 64]) expect(await check(file, size)).toBe(file.toString('utf8'));
  });

  it('fails on a bare LF in a CRLF file and on a CRLF in an LF file, with the line, across chunk boundaries', async () => {
    for (const size of [1, 2, 5, 64]) {
      expect(await check(Buffer.from('a,b\r\n1,2\r\n3,4\n5,6\r\n'), size)).toBe('error: f.csv:3: line ends with LF but earlier lines end with CRLF (mixed line endings would merge or split rows); the file was not loaded');
      expect(await check(Buffer.from('a,b\n1,2\r\n'), size)).toBe('error: f.csv:2: line ends with CRLF but earlier lines end with LF (mixed line endings would merge or split rows); the file was not loaded');
    }
  });

  it('fails on a quoted field spanning more line breaks than allowed, or never closed', async () => {
    expect(await check(Buffer.from('a,b\n1,"2\n\n\n"\n'), 4)).toBe('a,b\n1,"2\n\n\n"\n');
    expect(await check(Buffer.from('a,b\n1,"2\n\n\n\n"\n'), 4)).toBe(
      'error: f.csv:2: a quoted field opened on line 2 spans more than 3 line breaks (unterminated quote? raise maxQuotedLines if the file really has such fields); the file was not loaded',
    );
    expect(await check(Buffer.from('a,b\n1,"2""\n'), 1)).toBe('error: f.csv:2: a quoted field opened on line 2 is never closed (unterminated quote); the file was not loaded');
  });
});
