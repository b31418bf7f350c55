/**
 * Fixed-shape integer sequences for next-integer models (the seed's dataset rule):
 *
 * - a sequence is kept only if its first `seqLen` terms are all integers in [0, maxValue);
 * - longer sequences are truncated to `seqLen`, shorter ones padded with `maxValue`, the pad id
 *   (losses ignore it and it has no embedding of its own);
 * - rows live in one `Int32Array` of shape [n, seqLen] (row-major).
 *
 * Batches come in a seeded shuffled order per epoch; a `BatchCursor` (epoch, position, rng state)
 * saved in a checkpoint resumes the exact same data order.
 */
import { Rng } from "../random";

/** Anything that yields sequences of terms: arrays, typed arrays, an `OeisCollection`. */
export type SequenceSource = Iterable<ArrayLike<number | bigint>>;

export interface SequenceDatasetOptions {
  /** Row length: sequences are truncated or padded to this many terms. */
  seqLen: number;
  /** Terms must lie in [0, maxValue); `maxValue` itself is the pad id. */
  maxValue: number;
}

/** Is the value a term usable in a dataset with this maxValue? (NaN and bigints fail unless small.) */
function inRange(t: number | bigint, maxValue: number): boolean {
  if (typeof t === "bigint") return t >= 0n && t < BigInt(maxValue);
  return t >= 0 && t < maxValue && Number.isInteger(t);
}

/** Does the sequence pass the seed's rule (its first `seqLen` terms all in [0, maxValue))? */
export function keepsSequence(terms: ArrayLike<number | bigint>, seqLen: number, maxValue: number): boolean {
  const m = Math.min(seqLen, terms.length);
  for (let k = 0; k < m; k++) if (!inRange(terms[k], maxValue)) return false;
  return true;
}

function checkOptions(seqLen: number, maxValue: number): void {
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new Error(`SequenceDataset: seqLen must be an integer ≥ 1, got ${seqLen}`);
  if (!Number.isInteger(maxValue) || maxValue < 1 || maxValue > 2 ** 31 - 2) {
    throw new Error(`SequenceDataset: maxValue must be an integer in [1, 2^31 - 2], got ${maxValue}`);
  }
}

/** Where a batch iterator stands: enough to continue with the exact same order after a restart. */
export interface BatchCursor {
  /** The seed the iterator was created with. */
  seed: number;
  /** Epochs completed so far (0 during the first pass). */
  epoch: number;
  /** Rows of the current epoch already handed out. */
  position: number;
  /** Rng state at the start of the current epoch (the epoch's permutation is drawn from it). */
  epochRngState: number;
  /** Batches handed out since the start. */
  step: number;
}

export interface BatchOptions {
  batchSize: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /** Shuffle each epoch. Default true (false: rows in order). */
  shuffle?: boolean;
  /** Skip the last, smaller batch of each epoch. Default false. */
  dropLast?: boolean;
  /** Continue from a saved cursor (its seed wins over `seed`). */
  cursor?: BatchCursor;
}

export interface SequenceBatch {
  /** Row-major [size, seqLen] int32 data (a copy). */
  data: Int32Array;
  /** Number of rows in this batch. */
  size: number;
  seqLen: number;
  /** Dataset row indices of the batch. */
  rows: Int32Array;
  /** Epoch this batch belongs to. */
  epoch: number;
  /** Index of this batch since the start (0-based). */
  step: number;
}

/** Endless seeded batches over a dataset; `cursor()` saves the position. */
export class BatchIterator implements IterableIterator<SequenceBatch> {
  private readonly rng: Rng;
  private order: Int32Array;
  private epoch: number;
  private position: number;
  private epochRngState: number;
  private step: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number;

  constructor(
    readonly dataset: SequenceDataset,
    options: BatchOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new Error(`batches: batchSize must be an integer ≥ 1, got ${options.batchSize}`);
    }
    if (dataset.size === 0) throw new Error("batches: the dataset is empty (no sequence passed the range rule)");
    if (options.dropLast && options.batchSize > dataset.size) {
      throw new Error(`batches: batchSize ${options.batchSize} exceeds the ${dataset.size} rows and dropLast is set`);
    }
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    const cursor = options.cursor;
    this.seed = cursor?.seed ?? options.seed ?? 0;
    this.rng = new Rng(this.seed);
    if (cursor) {
      if (cursor.position < 0 || cursor.position > dataset.size) {
        throw new Error(`batches: cursor position ${cursor.position} is outside the dataset (${dataset.size} rows)`);
      }
      this.epoch = cursor.epoch;
      this.position = cursor.position;
      this.step = cursor.step;
      this.epochRngState = cursor.epochRngState;
      this.rng.setState(cursor.epochRngState);
      this.order = this.drawOrder();
    } else {
      this.epoch = 0;
      this.position = 0;
      this.step = 0;
      this.epochRngState = this.rng.getState();
      this.order = this.drawOrder();
    }
  }

  private drawOrder(): Int32Array {
    const n = this.dataset.size;
    if (this.shuffle) return this.rng.permutation(n);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }

  private startEpoch(): void {
    this.epoch++;
    this.position = 0;
    this.epochRngState = this.rng.getState();
    this.order = this.drawOrder();
  }

  /** Number of batches in one epoch. */
  get batchesPerEpoch(): number {
    const n = this.dataset.size;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The position to save in a checkpoint. */
  cursor(): BatchCursor {
    return { seed: this.seed, epoch: this.epoch, position: this.position, epochRngState: this.epochRngState, step: this.step };
  }

  /** The next batch (a new epoch with a fresh shuffle starts when one ends). */
  nextBatch(): SequenceBatch {
    const n = this.dataset.size;
    const remaining = n - this.position;
    if (remaining <= 0 || (this.dropLast && remaining < this.batchSize)) this.startEpoch();
    const size = Math.min(this.batchSize, n - this.position);
    const rows = this.order.slice(this.position, this.position + size);
    const batch: SequenceBatch = {
      data: this.dataset.gather(rows),
      size,
      seqLen: this.dataset.seqLen,
      rows,
      epoch: this.epoch,
      step: this.step,
    };
    this.position += size;
    this.step++;
    return batch;
  }

  next(): IteratorResult<SequenceBatch> {
    return { value: this.nextBatch(), done: false };
  }

  [Symbol.iterator](): IterableIterator<SequenceBatch> {
    return this;
  }
}

/** Padded, range-filtered integer sequences in one Int32Array [size, seqLen]. */
export class SequenceDataset {
  readonly seqLen: number;
  readonly maxValue: number;
  /** Row-major [size, seqLen]. */
  readonly data: Int32Array;
  /** For each row, the index of the source sequence it came from. */
  readonly sourceIndex: Int32Array;
  /** Number of source sequences examined. */
  readonly sourceCount: number;

  constructor(sequences: SequenceSource, options: SequenceDatasetOptions) {
    const { seqLen, maxValue } = options;
    checkOptions(seqLen, maxValue);
    this.seqLen = seqLen;
    this.maxValue = maxValue;
    let data = new Int32Array(seqLen * 1024);
    let sources = new Int32Array(1024);
    let n = 0;
    let index = 0;
    for (const terms of sequences) {
      if (keepsSequence(terms, seqLen, maxValue)) {
        if (n === sources.length) {
          const grownData = new Int32Array(data.length * 2);
          grownData.set(data);
          data = grownData;
          const grownSources = new Int32Array(sources.length * 2);
          grownSources.set(sources);
          sources = grownSources;
        }
        const base = n * seqLen;
        const m = Math.min(seqLen, terms.length);
        for (let k = 0; k < m; k++) data[base + k] = Number(terms[k]);
        data.fill(maxValue, base + m, base + seqLen);
        sources[n] = index;
        n++;
      }
      index++;
    }
    this.data = data.slice(0, n * seqLen);
    this.sourceIndex = sources.slice(0, n);
    this.sourceCount = index;
  }

  /** The pad id (= maxValue). */
  get padId(): number {
    return this.maxValue;
  }

  /** Number of rows. */
  get size(): number {
    return this.sourceIndex.length;
  }

  get length(): number {
    return this.size;
  }

  get shape(): [number, number] {
    return [this.size, this.seqLen];
  }

  /** Row `i` as a view into `data`. */
  row(i: number): Int32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`SequenceDataset.row: index ${i} outside [0, ${this.size})`);
    return this.data.subarray(i * this.seqLen, (i + 1) * this.seqLen);
  }

  /** Rows as plain arrays (for tables). */
  rows(indices: ArrayLike<number>): number[][] {
    return Array.from(indices, (i) => Array.from(this.row(i)));
  }

  /** Number of real (non-pad) terms in row `i`. */
  rowLength(i: number): number {
    const r = this.row(i);
    let len = r.length;
    while (len > 0 && r[len - 1] === this.maxValue) len--;
    return len;
  }

  /** Copy the given rows into one row-major [rows.length, seqLen] array. */
  gather(rows: ArrayLike<number>): Int32Array {
    const out = new Int32Array(rows.length * this.seqLen);
    for (let b = 0; b < rows.length; b++) {
      const start = rows[b] * this.seqLen;
      out.set(this.data.subarray(start, start + this.seqLen), b * this.seqLen);
    }
    return out;
  }

  /**
   * How often each id occurs in the rows: an array of length maxValue + 1 whose last entry counts
   * the pad id.
   */
  valueHistogram(): Float64Array {
    const counts = new Float64Array(this.maxValue + 1);
    const data = this.data;
    for (let k = 0; k < data.length; k++) counts[data[k]]++;
    return counts;
  }

  /** Share of pad entries in the whole array. */
  padShare(): number {
    if (this.data.length === 0) return 0;
    return this.valueHistogram()[this.maxValue] / this.data.length;
  }

  /** Seeded shuffled batches that can be resumed from a cursor. */
  batches(options: BatchOptions): BatchIterator {
    return new BatchIterator(this, options);
  }

  /** Split rows into train/validation datasets by a seeded permutation. */
  split(validationShare: number, seed = 0): { train: SequenceDataset; validation: SequenceDataset } {
    if (!(validationShare >= 0 && validationShare < 1)) throw new Error(`split: validationShare must be in [0, 1), got ${validationShare}`);
    const perm = new Rng(seed).permutation(this.size);
    const nVal = Math.round(this.size * validationShare);
    const valRows = perm.slice(0, nVal).sort();
    const trainRows = perm.slice(nVal).sort();
    return { train: this.subset(trainRows), validation: this.subset(valRows) };
  }

  /** A dataset made of the given rows (copied). */
  subset(rows: ArrayLike<number>): SequenceDataset {
    const ds = Object.create(SequenceDataset.prototype) as SequenceDataset;
    const sources = Int32Array.from(rows, (r) => this.sourceIndex[r]);
    Object.assign(ds, { seqLen: this.seqLen, maxValue: this.maxValue, data: this.gather(rows), sourceIndex: sources, sourceCount: this.sourceCount });
    return ds;
  }
}

/** How many sequences pass the rule for one (maxValue, seqLen). */
export function countKeptSequences(sequences: SequenceSource, seqLen: number, maxValue: number): number {
  checkOptions(seqLen, maxValue);
  let kept = 0;
  for (const terms of sequences) if (keepsSequence(terms, seqLen, maxValue)) kept++;
  return kept;
}

export interface DatasetSizeRow {
  maxValue: number;
  seqLen: number;
  /** Sequences kept by the rule. */
  sequences: number;
  /** Share of the source sequences kept. */
  share: number;
}

/**
 * The dataset size for every (maxValue, seqLen) pair, in one pass over the sequences: for each
 * seqLen it finds whether the prefix has no negative or non-integer term and its maximum, then
 * a prefix passes for maxValue when that maximum is below it.
 */
export function datasetSizeTable(sequences: SequenceSource, maxValues: number[], seqLens: number[]): DatasetSizeRow[] {
  for (const L of seqLens) for (const M of maxValues) checkOptions(L, M);
  const lens = [...seqLens];
  const kept = lens.map(() => maxValues.map(() => 0));
  let total = 0;
  const order = lens.map((_, i) => i).sort((a, b) => lens[a] - lens[b]);
  for (const terms of sequences) {
    total++;
    let max = -Infinity;
    let bad = false;
    let k = 0;
    for (const li of order) {
      const end = Math.min(lens[li], terms.length);
      for (; k < end && !bad; k++) {
        const t = terms[k];
        if (typeof t === "bigint") {
          if (t < 0n || t > BigInt(Number.MAX_SAFE_INTEGER)) bad = true;
          else if (Number(t) > max) max = Number(t);
        } else if (!(t >= 0) || !Number.isInteger(t)) bad = true;
        else if (t > max) max = t;
      }
      if (bad) break;
      for (let mi = 0; mi < maxValues.length; mi++) if (max < maxValues[mi]) kept[li][mi]++;
    }
  }
  const rows: DatasetSizeRow[] = [];
  for (let mi = 0; mi < maxValues.length; mi++) {
    for (let li = 0; li < lens.length; li++) {
      rows.push({ maxValue: maxValues[mi], seqLen: lens[li], sequences: kept[li][mi], share: total > 0 ? kept[li][mi] / total : 0 });
    }
  }
  return rows;
}
