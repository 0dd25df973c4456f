import { invalidParameter } from '../errors.js';

/**
 * A minimal lossless WebP (VP8L) encoder, so the `%compressed.webp` thumbnails MLflow's UI loads are
 * real WebP files without a native or WASM codec. It writes no transforms and no backward
 * references: each channel gets either a one-symbol code (a constant channel, typically alpha) or
 * a flat 8-bit code. Files are therefore about as large as raw RGBA (at most 256×256×4 bytes for a
 * thumbnail) but decode in every WebP reader.
 */
class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;

  write(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.acc |= ((value >>> i) & 1) << this.n;
      if (++this.n === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  finish(): Uint8Array {
    if (this.n > 0) this.bytes.push(this.acc);
    this.acc = 0;
    this.n = 0;
    return Uint8Array.from(this.bytes);
  }
}

// Huffman codes are read most significant bit first from an LSB-first stream.
const REVERSED = Uint8Array.from({ length: 256 }, (_, v) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((v >> i) & 1) << (7 - i);
  return r;
});

function writeSingleSymbol(w: BitWriter, symbol: number): void {
  w.write(1, 1); // simple code
  w.write(0, 1); // one symbol
  w.write(1, 1); // stored in 8 bits
  w.write(symbol, 8);
}

function writeFlat8(w: BitWriter, alphabetSize: number): void {
  w.write(0, 1); // normal code
  // Code-length code: lengths 0 and 8 only, one bit each. Order position of symbol 8 is 11 → 12 entries.
  w.write(12 - 4, 4);
  const order = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8];
  for (const sym of order) w.write(sym === 0 || sym === 8 ? 1 : 0, 3);
  w.write(0, 1); // max_symbol = alphabet size
  // Canonical code of the code-length alphabet: symbol 0 → bit 0, symbol 8 → bit 1.
  for (let s = 0; s < alphabetSize; s++) w.write(s < 256 ? 1 : 0, 1);
}

/** Encodes RGBA pixels (row-major, 4 bytes each) as a lossless WebP file. */
export function encodeWebpLossless(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 16384 || height > 16384) {
    throw invalidParameter(`WebP images are 1 to 16384 pixels on each side, got ${width}×${height}.`, { field: 'image' });
  }
  if (rgba.length !== width * height * 4) {
    throw invalidParameter(`Expected ${width * height * 4} bytes of RGBA pixels for ${width}×${height}, got ${rgba.length}.`, {
      field: 'image',
    });
  }
  // Channel order in the VP8L stream: green, red, blue, alpha.
  const channels = [1, 0, 2, 3];
  const constant = channels.map((c) => {
    const first = rgba[c]!;
    for (let i = c; i < rgba.length; i += 4) if (rgba[i] !== first) return -1;
    return first;
  });
  const w = new BitWriter();
  w.write(0x2f, 8);
  w.write(width - 1, 14);
  w.write(height - 1, 14);
  w.write(constant[3] === 255 ? 0 : 1, 1); // alpha_is_used hint
  w.write(0, 3); // version
  w.write(0, 1); // no transforms
  w.write(0, 1); // no color cache
  w.write(0, 1); // no meta prefix codes
  const alphabets = [256 + 24, 256, 256, 256];
  for (let k = 0; k < 4; k++) {
    if (constant[k]! >= 0) writeSingleSymbol(w, constant[k]!);
    else writeFlat8(w, alphabets[k]!);
  }
  writeSingleSymbol(w, 0); // distance code: never used
  const coded = channels.map((c, k) => (constant[k]! >= 0 ? -1 : c)).filter((c) => c >= 0);
  for (let p = 0; p < rgba.length; p += 4) {
    for (const c of coded) w.write(REVERSED[rgba[p + c]!]!, 8);
  }
  const data = w.finish();
  const pad = data.length & 1;
  const out = new Uint8Array(20 + data.length + pad);
  const view = new DataView(out.buffer);
  out.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  view.setUint32(4, 12 + data.length + pad, true);
  out.set([0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x4c], 8); // WEBPVP8L
  view.setUint32(16, data.length, true);
  out.set(data, 20);
  return out;
}
