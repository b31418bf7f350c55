/**
 * Decoding for the seq2seq transformer: batched greedy decoding and batched beam search, both on
 * the incremental decoder (cached keys/values), plus teacher-forced scoring of a given answer.
 *
 * Beam search keeps, per example, the `beams` best unfinished prefixes by total log-probability;
 * a prefix that emits `<eos>` becomes a candidate scored by its length-normalized log-probability
 * `logProb / length^lengthPenalty` (length counts the generated tokens including `<eos>`). An
 * example stops once it has `beams` candidates and no unfinished prefix can beat the worst of them.
 * The result is the `beams` best distinct candidates, best first.
 *
 * Both decoders also take an ensemble: several models with the same target vocabulary decode
 * together, each step's distribution being the mean of the members' probabilities
 * (log of the mean, so it stays a distribution).
 */
import * as tf from "@tensorflow/tfjs";
import { collateSeq2Seq } from "../datasets/seq2seq-collate";
import { DecoderState, Transformer, decoderStep, disposeDecoderState, encodeSource, transformerForward, selectDecoderRows, startDecoder } from "./transformer";

export interface DecodeOptions {
  sosId: number;
  eosId: number;
  /** Most tokens to generate (including `<eos>`). Default: the model's maxLength − 1. */
  maxTokens?: number;
  /** Sources decoded together (default 256). */
  batchSize?: number;
  /** Token ids never generated (always excluded: pad and `<sos>`). */
  forbidden?: readonly number[];
}

export interface BeamSearchOptions extends DecodeOptions {
  /** Beam width k: how many candidates are returned per source. */
  beams: number;
  /** Exponent α ≥ 0 of the length normalization `logProb / length^α` (default 1: mean log-prob; 0: none, the k most probable candidates). */
  lengthPenalty?: number;
}

export interface BeamCandidate {
  /** Generated tokens without `<sos>` and `<eos>`. */
  tokens: number[];
  /** Sum of the token log-probabilities (including `<eos>` when finished). */
  logProb: number;
  /** Length-normalized score the candidates are sorted by. */
  score: number;
  /** False when the candidate hit `maxTokens` without emitting `<eos>`. */
  finished: boolean;
}

/** One model, or an ensemble of models that share the target vocabulary (decoded by the mean of their probabilities). */
export type DecodingModels = Transformer | readonly Transformer[];

function membersOf(models: DecodingModels, what: string): readonly Transformer[] {
  const members = Array.isArray(models) ? (models as readonly Transformer[]) : [models as Transformer];
  if (members.length === 0) throw new Error(`${what}: the ensemble has no models`);
  const first = members[0].config;
  members.forEach((m, i) => {
    if (m.config.targetVocabSize !== first.targetVocabSize || m.config.padId !== first.padId || m.config.sourceVocabSize !== first.sourceVocabSize) {
      throw new Error(
        `${what}: ensemble model ${i} has vocabularies ${m.config.sourceVocabSize}/${m.config.targetVocabSize} (pad ${m.config.padId}), model 0 ${first.sourceVocabSize}/${first.targetVocabSize} (pad ${first.padId}); all must share them`,
      );
    }
  });
  return members;
}

function maxTokensOf(members: readonly Transformer[], opts: DecodeOptions): number {
  const limit = Math.min(...members.map((m) => m.config.maxLength)) - 1;
  const n = opts.maxTokens ?? limit;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`decoding: maxTokens must be a positive integer, got ${n}`);
  return Math.min(n, limit);
}

function forbiddenMask(model: Transformer, opts: DecodeOptions): Uint8Array {
  const mask = new Uint8Array(model.config.targetVocabSize);
  for (const id of [model.config.padId, opts.sosId, ...(opts.forbidden ?? [])]) if (id >= 0 && id < mask.length) mask[id] = 1;
  return mask;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function encodeChunk(model: Transformer, sources: readonly (readonly number[])[]): DecoderState {
  const batch = collateSeq2Seq(
    sources.map((s) => ({ source: s, target: [0] })),
    model.config.padId,
  );
  let state: DecoderState | null = null;
  tf.tidy(() => {
    const src = tf.tensor2d(batch.source, [batch.size, batch.sourceLength], "int32");
    state = startDecoder(model, encodeSource(model, src)); // startDecoder keeps its tensors
  });
  return state as unknown as DecoderState;
}

function step(model: Transformer, state: DecoderState, tokens: Int32Array): { logProbs: Float32Array; state: DecoderState } {
  const input = tf.tensor1d(tokens, "int32");
  const out = decoderStep(model, state, input);
  input.dispose();
  const values = out.logProbs.dataSync() as Float32Array;
  out.logProbs.dispose();
  return { logProbs: values, state: out.state };
}

/** log(mean_m exp(lp_m)) per entry, computed stably. */
function logMeanExp(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts[0].length);
  const logCount = Math.log(parts.length);
  for (let i = 0; i < out.length; i++) {
    let max = -Infinity;
    for (const p of parts) if (p[i] > max) max = p[i];
    if (max === -Infinity) {
      out[i] = -Infinity;
      continue;
    }
    let sum = 0;
    for (const p of parts) sum += Math.exp(p[i] - max);
    out[i] = max + Math.log(sum) - logCount;
  }
  return out;
}

/** The incremental decoders of every ensemble member, stepped together on the same rows. */
class EnsembleState {
  private states: DecoderState[] = [];

  constructor(
    private readonly members: readonly Transformer[],
    sources: readonly (readonly number[])[],
  ) {
    try {
      for (const m of members) this.states.push(encodeChunk(m, sources));
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Next-token log-probabilities (rows × vocab) after feeding `tokens`, one per row. */
  step(tokens: Int32Array): Float32Array {
    const parts: Float32Array[] = [];
    this.members.forEach((m, i) => {
      const r = step(m, this.states[i], tokens);
      this.states[i] = r.state;
      parts.push(r.logProbs);
    });
    return logMeanExp(parts);
  }

  /** Keep/reorder rows (see `selectDecoderRows`). */
  select(rows: Int32Array, opts?: { memory?: boolean }): void {
    this.states = this.states.map((s, i) => selectDecoderRows(this.members[i], s, rows, opts));
  }

  dispose(): void {
    for (const s of this.states) disposeDecoderState(s);
    this.states = [];
  }
}

/** Greedy decoding: the most probable token at each step. Returns generated tokens per source (no `<sos>`/`<eos>`). */
export function greedyDecode(models: DecodingModels, sources: readonly (readonly number[])[], opts: DecodeOptions): number[][] {
  const members = membersOf(models, "greedyDecode");
  const maxTokens = maxTokensOf(members, opts);
  const forbidden = forbiddenMask(members[0], opts);
  const vocab = members[0].config.targetVocabSize;
  const results: number[][] = [];
  for (const chunk of chunks(sources, opts.batchSize ?? 256)) {
    const b = chunk.length;
    const state = new EnsembleState(members, chunk);
    const out: number[][] = chunk.map(() => []);
    const done = new Uint8Array(b);
    let tokens = new Int32Array(b).fill(opts.sosId);
    try {
      for (let t = 0; t < maxTokens; t++) {
        const logProbs = state.step(tokens);
        const next = new Int32Array(b);
        let alive = 0;
        for (let i = 0; i < b; i++) {
          if (done[i]) {
            next[i] = opts.eosId;
            continue;
          }
          let best = -1;
          let bestValue = -Infinity;
          for (let v = 0; v < vocab; v++) {
            if (forbidden[v]) continue;
            const lp = logProbs[i * vocab + v];
            if (lp > bestValue) {
              bestValue = lp;
              best = v;
            }
          }
          next[i] = best;
          if (best === opts.eosId) done[i] = 1;
          else {
            out[i].push(best);
            alive++;
          }
        }
        tokens = next;
        if (alive === 0) break;
      }
    } finally {
      state.dispose();
    }
    results.push(...out);
  }
  return results;
}

interface Hypothesis {
  tokens: number[];
  logProb: number;
}

/**
 * Beam search with width `beams`: per source, the `beams` best distinct candidates sorted by
 * length-normalized score (finished ones first; unfinished ones only fill up when fewer than
 * `beams` finished within `maxTokens`).
 */
export function beamSearch(models: DecodingModels, sources: readonly (readonly number[])[], opts: BeamSearchOptions): BeamCandidate[][] {
  const k = opts.beams;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`beamSearch: beams must be a positive integer, got ${k}`);
  const members = membersOf(models, "beamSearch");
  const alpha = opts.lengthPenalty ?? 1;
  // (α < 0 would favour short candidates and break the early-stop bound below, which assumes a
  // longer candidate's divisor is no smaller)
  if (!(Number.isFinite(alpha) && alpha >= 0)) throw new Error(`beamSearch: lengthPenalty must be a finite number ≥ 0, got ${alpha}`);
  const maxTokens = maxTokensOf(members, opts);
  const forbidden = forbiddenMask(members[0], opts);
  const vocab = members[0].config.targetVocabSize;
  const normalized = (logProb: number, length: number) => (alpha === 0 ? logProb : logProb / Math.pow(length, alpha));
  const results: BeamCandidate[][] = [];
  const perChunk = Math.max(1, Math.floor((opts.batchSize ?? 256) / k));

  for (const chunk of chunks(sources, perChunk)) {
    const b = chunk.length;
    const state = new EnsembleState(members, chunk);
    try {
      // k rows per source; only the first is live at the start so the beams never duplicate
      const replicate = new Int32Array(b * k);
      for (let i = 0; i < b * k; i++) replicate[i] = Math.floor(i / k);
      state.select(replicate);
      let alive: Hypothesis[][] = chunk.map(() => [{ tokens: [], logProb: 0 }]);
      const finished: BeamCandidate[][] = chunk.map(() => []);
      const done = new Uint8Array(b);

      for (let t = 0; t < maxTokens; t++) {
        const input = new Int32Array(b * k);
        for (let i = 0; i < b; i++) {
          for (let j = 0; j < k; j++) {
            const h = alive[i][j];
            input[i * k + j] = h ? (h.tokens.length ? h.tokens[h.tokens.length - 1] : opts.sosId) : opts.sosId;
          }
        }
        const logProbs = state.step(input);
        const parents = new Int32Array(b * k);
        const nextAlive: Hypothesis[][] = [];
        let anyAlive = false;
        for (let i = 0; i < b; i++) {
          const hyps = alive[i];
          if (done[i] || hyps.length === 0) {
            nextAlive.push([]);
            for (let j = 0; j < k; j++) parents[i * k + j] = i * k;
            continue;
          }
          // every extension of every live prefix, best total log-prob first
          const cands: { parent: number; token: number; logProb: number }[] = [];
          hyps.forEach((h, j) => {
            const row = (i * k + j) * vocab;
            for (let v = 0; v < vocab; v++) {
              if (forbidden[v]) continue;
              cands.push({ parent: j, token: v, logProb: h.logProb + logProbs[row + v] });
            }
          });
          cands.sort((a, c) => c.logProb - a.logProb);
          const keep: Hypothesis[] = [];
          const keepParents: number[] = [];
          for (const c of cands) {
            // an <eos> candidate may still enter the k best finished ones after the live beams are full
            if (keep.length >= k && c.token !== opts.eosId) continue;
            const prefix = hyps[c.parent].tokens;
            if (c.token === opts.eosId) {
              finished[i].push({ tokens: prefix.slice(), logProb: c.logProb, score: normalized(c.logProb, prefix.length + 1), finished: true });
            } else {
              keep.push({ tokens: [...prefix, c.token], logProb: c.logProb });
              keepParents.push(c.parent);
            }
          }
          finished[i].sort((a, c) => c.score - a.score);
          if (finished[i].length > k) finished[i].length = k;
          // stop when k candidates exist and no live prefix can still beat the worst one:
          // extending only lowers the log-prob, and the length divisor is at most maxTokens^α
          if (finished[i].length >= k && keep.length) {
            const best = keep[0].logProb;
            const bound = alpha === 0 ? best : best / Math.pow(best < 0 ? maxTokens : t + 2, alpha);
            if (bound <= finished[i][k - 1].score) {
              done[i] = 1;
            }
          }
          if (t === maxTokens - 1 || done[i]) {
            if (!done[i]) {
              for (const h of keep) finished[i].push({ tokens: h.tokens, logProb: h.logProb, score: normalized(h.logProb, h.tokens.length), finished: false });
            }
            done[i] = 1;
            nextAlive.push([]);
            for (let j = 0; j < k; j++) parents[i * k + j] = i * k;
            continue;
          }
          nextAlive.push(keep);
          if (keep.length) anyAlive = true;
          for (let j = 0; j < k; j++) parents[i * k + j] = i * k + (j < keepParents.length ? keepParents[j] : 0);
        }
        alive = nextAlive;
        if (!anyAlive) break;
        state.select(parents, { memory: false });
      }
      for (let i = 0; i < b; i++) {
        const done = finished[i].filter((c) => c.finished).sort((a, c) => c.score - a.score);
        const open = finished[i].filter((c) => !c.finished).sort((a, c) => c.score - a.score);
        results.push([...done, ...open].slice(0, k));
      }
    } finally {
      state.dispose();
    }
  }
  return results;
}

/**
 * Teacher-forced log-probability of generating `tokens` then `<eos>` from each source
 * (`sequenceLogProb(model, [src], [[3, 4]], opts)[0]` = log p(3 4 <eos> | src)).
 */
export function sequenceLogProbs(
  model: Transformer,
  sources: readonly (readonly number[])[],
  answers: readonly (readonly number[])[],
  opts: { sosId: number; eosId: number; appendEos?: boolean },
): number[] {
  const appendEos = opts.appendEos ?? true;
  const targets = answers.map((a) => [opts.sosId, ...a, ...(appendEos ? [opts.eosId] : [])]);
  const batch = collateSeq2Seq(
    sources.map((s, i) => ({ source: s, target: targets[i] })),
    model.config.padId,
  );
  const t = batch.targetLength - 1;
  const vocab = model.config.targetVocabSize;
  const logProbs = tf.tidy(() => {
    const src = tf.tensor2d(batch.source, [batch.size, batch.sourceLength], "int32");
    const input = new Int32Array(batch.size * t);
    for (let i = 0; i < batch.size; i++) input.set(batch.target.subarray(i * (t + 1), i * (t + 1) + t), i * t);
    return tf.logSoftmax(transformerForward(model, src, tf.tensor2d(input, [batch.size, t], "int32")));
  });
  const values = logProbs.dataSync();
  logProbs.dispose();
  return targets.map((target, i) => {
    let sum = 0;
    for (let p = 1; p < target.length; p++) sum += values[(i * t + p - 1) * vocab + target[p]];
    return sum;
  });
}
