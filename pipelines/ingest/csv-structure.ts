// Checks a CSV file's structure as its bytes stream by, before papaparse reads it (issue 16, F8). papaparse
// reads a field that opens with a quote until the next quote, however far that is, and splits records on the
// one line ending it detected first: one unterminated quote swallowed 28 rows into one reject, and bare LFs in
// a CRLF file merged rows. Neither is a bad row; the file is broken, so it fails with the line number.
//
// The scan mirrors RFC 4180 as papaparse applies it: a quote opens a quoted field only at the start of a field
// ("" inside it is a literal quote); elsewhere it is an ordinary character. It also decodes the bytes to text
// with a StringDecoder, so a UTF-8 character split across two chunks stays whole (papaparse decodes each
// chunk on its own, which turned such characters into U+FFFD).
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { RadarError } from '../errors.ts';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

// Scanner states (plain numbers: this loop runs once per byte of every CSV file).
/** Outside quotes, at the start of a field. */
const FIELD_START = 0;
/** Outside quotes, inside an unquoted field. */
const UNQUOTED = 1;
/** Inside a quoted field. */
const QUOTED = 2;
/** Inside a quoted field, just after a quote: the next byte says whether it was "" or the closing quote. */
const QUOTE_IN_QUOTED = 3;

export interface CsvStructureOptions {
  /** The file's name as messages show it. */
  readonly label: string;
  readonly delimiter: string;
  /** Line breaks a quoted field may span before the file is judged broken (an unterminated quote). */
  readonly maxQuotedLines: number;
}

type LineEnding = 'CRLF' | 'LF';

/** A pass-through stream (bytes in, text out) that fails on an unterminated quote or mixed line endings. */
export class CsvStructureCheck extends Transform {
  private state: number = FIELD_START;
  private line = 1;
  private previous = -1;
  private quoteLine = 0;
  private quotedBreaks = 0;
  private ending: LineEnding | undefined;
  private readonly delimiter: number;
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly options: CsvStructureOptions) {
    super({ readableObjectMode: true });
    this.delimiter = options.delimiter.charCodeAt(0);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const problem = this.scan(chunk);
    if (problem) {
      callback(problem);
      return;
    }
    const text = this.decoder.write(chunk);
    if (text.length > 0) this.push(text);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.state === QUOTED) {
      callback(this.broken(this.quoteLine, `a quoted field opened on line ${this.quoteLine} is never closed (unterminated quote)`));
      return;
    }
    const rest = this.decoder.end();
    if (rest.length > 0) this.push(rest);
    callback();
  }

  private broken(line: number, what: string): RadarError {
    const { label } = this.options;
    return new RadarError('ingest_failed', `${label}:${line}: ${what}; the file was not loaded`, { file: label, line });
  }

  /** Checks a line ending (at the LF of line `this.line`); an error when it differs from the file's first one. */
  private lineEnding(previous: number): RadarError | undefined {
    const ending: LineEnding = previous === CR ? 'CRLF' : 'LF';
    if (this.ending === undefined) this.ending = ending;
    else if (ending !== this.ending) {
      return this.broken(this.line, `line ends with ${ending} but earlier lines end with ${this.ending} (mixed line endings would merge or split rows)`);
    }
    this.line += 1;
    return undefined;
  }

  private scan(bytes: Buffer): RadarError | undefined {
    const { delimiter } = this;
    let { state, previous } = this;
    // Next quote at or after the index (bytes.length when none): lines before it cannot open a quoted field.
    let nextQuote = -1;
    let index = 0;
    while (index < bytes.length) {
      // Fast path, nearly every line of a real file: at a line start outside quotes, a whole line with no
      // quote in it only needs its ending checked, found by native indexOf instead of a byte loop (10x faster).
      if (state === FIELD_START && (previous === LF || previous === -1)) {
        const lineEnd = bytes.indexOf(LF, index);
        if (nextQuote < index) {
          nextQuote = bytes.indexOf(QUOTE, index);
          if (nextQuote < 0) nextQuote = bytes.length;
        }
        if (lineEnd >= 0 && nextQuote > lineEnd) {
          const problem = this.lineEnding(lineEnd > index ? bytes[lineEnd - 1]! : previous);
          if (problem) return problem;
          previous = LF;
          index = lineEnd + 1;
          continue;
        }
      }
      const byte = bytes[index]!;
      index += 1;
      if (state === QUOTE_IN_QUOTED) {
        if (byte === QUOTE) {
          state = QUOTED;
          previous = byte;
          continue;
        }
        state = UNQUOTED;
      }
      if (state === QUOTED) {
        if (byte === QUOTE) state = QUOTE_IN_QUOTED;
        else if (byte === LF) {
          this.line += 1;
          this.quotedBreaks += 1;
          if (this.quotedBreaks > this.options.maxQuotedLines) {
            return this.broken(
              this.quoteLine,
              `a quoted field opened on line ${this.quoteLine} spans more than ${this.options.maxQuotedLines} line breaks (unterminated quote? raise maxQuotedLines if the file really has such fields)`,
            );
          }
        }
        previous = byte;
        continue;
      }
      if (byte === LF) {
        const problem = this.lineEnding(previous);
        if (problem) return problem;
        state = FIELD_START;
      } else if (byte === delimiter) state = FIELD_START;
      else if (byte === QUOTE && state === FIELD_START) {
        state = QUOTED;
        this.quoteLine = this.line;
        this.quotedBreaks = 0;
      } else if (byte !== CR) state = UNQUOTED;
      previous = byte;
    }
    this.state = state;
    this.previous = previous;
    return undefined;
  }
}
