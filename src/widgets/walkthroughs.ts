/**
 * The walkthroughs' interactive cells, one builder each (the notebook cell stays one line):
 * - `nextIntegerExplorer(model)` (notebook 02): type a sequence, see the model's top-k next integers;
 * - `factorizationExplorer(run)` (notebook 03): a number and a beam count, see the beam candidates;
 * - `polynomialExpander(run)` (notebook 05): type a factored polynomial, see the model's expansion
 *   and whether numlab's expander agrees;
 * - `nameSampler(model)` (notebook 06): temperature and seed sliders, see sampled names.
 * Each returns an `Interactive` widget; its first run happens when it is made, so a headless run
 * (and the snapshot in an HTML export) shows the result for the initial values.
 */
import * as tf from "@tensorflow/tfjs";
import { Row, showTable, table } from "../display/table";
import type { ArithmeticData } from "../datasets/arithmetic";
import { judgeCandidate } from "../eval/arithmetic";
import { NextIntegerPredictor, continueSequence, predictNext } from "../eval/predict-next";
import { DecodingModels, beamSearch } from "../models/decoding";
import { MlpLm } from "../models/mlp-lm";
import { sampleNames } from "../train/makemore";
import { Rng } from "../random";
import { expandToCanonical, polynomialsEquivalent } from "../math/polynomial";
import { PolynomialLanguage, tokenizePolynomial } from "../tokenizers/polynomial-language";
import type { Transformer } from "../models/transformer";
import { FloatSlider, IntSlider, IntText, Text } from "./controls";
import { Interactive, interact } from "./interact";

/** A sequence typed by a person: integers separated by commas or spaces. */
export function parseSequence(text: string, maxValue: number): { terms: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: "type a few integers, e.g. 1, 2, 4, 8" };
  const terms: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return { error: `"${part}" is not a non-negative integer` };
    const n = Number(part);
    if (n >= maxValue) return { error: `${n} is outside the model's integers 0..${maxValue - 1}` };
    terms.push(n);
  }
  return { terms };
}

function percentBar(p: number, width = 20): string {
  const n = Math.round(p * width);
  return "█".repeat(n) + "·".repeat(width - n);
}

export interface NextIntegerExplorerOptions {
  /** The sequence shown first (default "2, 4, 6, 8, 10"). */
  sequence?: string;
  /** How many guesses (default 5, slider 1..`maxK`). */
  k?: number;
  maxK?: number;
  /** Greedy continuation length shown under the table (default 4; 0 hides it). */
  continueSteps?: number;
  debounceMs?: number;
}

/** The rows `nextIntegerExplorer` shows for one sequence (rank, integer, probability). */
export function nextIntegerRows(model: NextIntegerPredictor, terms: readonly number[], k: number): Row[] {
  return predictNext(model, terms, k).map((g, i) => ({
    rank: i + 1,
    next: g.value,
    probability: `${(100 * g.probability).toFixed(1)}%`,
    "": percentBar(g.probability),
  }));
}

/** A text box for a sequence and a top-k slider; the table shows the model's most probable next integers. */
export function nextIntegerExplorer(model: NextIntegerPredictor, options: NextIntegerExplorerOptions = {}): Interactive<{ sequence: Text; k: IntSlider }> {
  const maxK = options.maxK ?? 10;
  const steps = options.continueSteps ?? 4;
  const controls = {
    sequence: new Text({ value: options.sequence ?? "2, 4, 6, 8, 10", description: "sequence", placeholder: "1, 2, 3, 5, 8", layout: { width: "420px" } }),
    k: new IntSlider({ value: Math.min(options.k ?? 5, maxK), min: 1, max: maxK, description: "top k" }),
  };
  return interact(
    ({ sequence, k }) => {
      const parsed = parseSequence(sequence, model.config.maxValue);
      if ("error" in parsed) {
        console.log(parsed.error);
        return;
      }
      console.log(`the ${k} most probable next integers after ${parsed.terms.join(", ")}:`);
      showTable(nextIntegerRows(model, parsed.terms, k));
      if (steps > 0) console.log(`greedy continuation: ${continueSequence(model, parsed.terms, steps).slice(parsed.terms.length).join(", ")}, …`);
    },
    controls,
    { debounceMs: options.debounceMs ?? 60 },
  );
}

/** What `factorizationExplorer` needs of an arithmetic run (`loadArithmeticRun`). */
export interface FactorizationRunLike {
  model: DecodingModels;
  data: Pick<ArithmeticData, "config" | "tokenizer" | "problem" | "encode" | "maxTargetLength">;
}

export interface FactorizationExplorerOptions {
  /** The number shown first (default 1001 = 7 x 11 x 13). */
  n?: number;
  /** Beam width first shown (default 5, slider 1..`maxBeams`). */
  beams?: number;
  maxBeams?: number;
  /** Beam search's length penalty α (default 0: candidates ranked by log-probability, as notebook 03). */
  lengthPenalty?: number;
  debounceMs?: number;
}

/** The beam candidates for `n` as table rows (beam, answer, log-probability, checks). */
export function factorizationRows(run: FactorizationRunLike, n: number, beams: number, lengthPenalty = 0): Row[] {
  const tok = run.data.tokenizer;
  const source = run.data.encode(run.data.problem(n)).source;
  const [candidates] = beamSearch(run.model, [source], { beams, sosId: tok.sosId, eosId: tok.eosId, maxTokens: run.data.maxTargetLength + 2, lengthPenalty });
  return candidates.map((c, i) => {
    const numbers = tok.decodeNumbers(c.tokens);
    const judged = judgeCandidate("factorization", [n], numbers);
    return {
      beam: i + 1,
      answer: numbers ? numbers.join(" x ") : "(malformed)",
      "log-prob": Number(c.logProb.toFixed(3)),
      "correct product": judged.correctProduct,
      "correct factorization": judged.correct,
    };
  });
}

/** The largest n a factorization run can be asked about (its data's range). */
export function factorizationRange(run: FactorizationRunLike): { min: number; max: number } {
  return { min: 2, max: run.data.config.trainMax ?? run.data.config.max };
}

/** A number box and a beam-count slider; the table shows the factorization candidates of beam search. */
export function factorizationExplorer(run: FactorizationRunLike, options: FactorizationExplorerOptions = {}): Interactive<{ n: IntText; beams: IntSlider }> {
  const range = factorizationRange(run);
  const maxBeams = options.maxBeams ?? 10;
  const controls = {
    n: new IntText({ value: options.n ?? 1001, description: "n", continuousUpdate: true }),
    beams: new IntSlider({ value: Math.min(options.beams ?? 5, maxBeams), min: 1, max: maxBeams, description: "beams" }),
  };
  return interact(
    ({ n, beams }) => {
      if (!(Number.isInteger(n) && n >= range.min && n <= range.max)) {
        console.log(`n must be an integer in ${range.min}..${range.max} (the numbers this model was trained and tested on)`);
        return;
      }
      const tok = run.data.tokenizer;
      const truth = run.data.problem(n).answer;
      const rows = factorizationRows(run, n, beams, options.lengthPenalty ?? 0);
      console.log(`n = ${n} (base ${tok.base}: ${tok.toText(tok.encodeNumber(n))}) = ${truth.join(" x ")}; ${beams} beam${beams === 1 ? "" : "s"}:`);
      return table(rows);
    },
    controls,
    { debounceMs: options.debounceMs ?? 100, direction: "column" },
  );
}

/**
 * Sample `n` names at a temperature: the next character is drawn with probability ∝ p^(1/T)
 * (T < 1 sharpens the model's distribution, T > 1 flattens it). At T = 1 this is `sampleNames`,
 * draw for draw.
 */
export function sampleNamesWithTemperature(model: MlpLm, n: number, rng: Rng, temperature = 1, maxLength = 50): string[] {
  return sampleNames(model, n, rng, maxLength, temperature);
}

export interface NameSamplerOptions {
  temperature?: number;
  seed?: number;
  /** Names per sample (default 12). */
  count?: number;
  /** Real names (e.g. the data set): the table marks sampled names that are copies of one. */
  known?: Iterable<string>;
  debounceMs?: number;
}

/** A copy of a variable's values (not shared with it: disposing the original leaves the copy intact). */
function frozenCopy(v: tf.Variable): tf.Variable {
  return tf.variable(tf.tensor(v.dataSync().slice(), v.shape, v.dtype), false);
}

/**
 * Temperature and seed sliders; the table shows names sampled from the model. The sampler keeps a
 * copy of the weights as they are now (12k numbers for the lecture's model), so the notebook may
 * dispose or keep training `model` afterwards.
 */
export function nameSampler(model: MlpLm, options: NameSamplerOptions = {}): Interactive<{ temperature: FloatSlider; seed: IntSlider }> {
  const own: MlpLm = {
    config: model.config,
    C: frozenCopy(model.C),
    W1: frozenCopy(model.W1),
    b1: frozenCopy(model.b1),
    W2: frozenCopy(model.W2),
    b2: frozenCopy(model.b2),
  };
  const known = options.known ? new Set(options.known) : null;
  const count = options.count ?? 12;
  const controls = {
    temperature: new FloatSlider({ value: options.temperature ?? 1, min: 0.1, max: 2, step: 0.05, description: "temperature" }),
    seed: new IntSlider({ value: options.seed ?? 0, min: 0, max: 1000, description: "seed" }),
  };
  return interact(
    ({ temperature, seed }) => {
      const names = sampleNamesWithTemperature(own, count, new Rng(seed), temperature);
      const rows = names.map((name, i) => {
        const row: Row = { "#": i + 1, name: name || "(empty)", length: name.length };
        if (known) row["in the data"] = known.has(name);
        return row;
      });
      const mean = names.reduce((s, w) => s + w.length, 0) / Math.max(1, names.length);
      console.log(`temperature ${temperature.toFixed(2)}, seed ${seed}: mean length ${mean.toFixed(1)}`);
      return table(rows);
    },
    controls,
    { debounceMs: options.debounceMs ?? 60 },
  );
}

/** What `polynomialExpander` needs of a polynomial run (a `PolynomialRun`). */
export interface PolynomialRunLike {
  model: Transformer;
  language: PolynomialLanguage;
}

/**
 * The model's expansions of `factored` (greedy for 1 beam, else the beam candidates, best first),
 * each judged against numlab's expander: `exact` (the same string) and `equivalent` (the same
 * polynomial written another way). Throws with the reason when the text does not parse or is too long.
 */
export function polynomialExpansionRows(run: PolynomialRunLike, factored: string, beams = 1): Row[] {
  const truth = expandToCanonical(factored);
  const source = run.language.encode(factored);
  const maxLength = run.model.config.maxLength;
  if (source.length > maxLength) throw new Error(`${tokenizePolynomial(factored).length} tokens: the model reads at most ${maxLength - 2}`);
  const unknown = tokenizePolynomial(factored).filter((t) => run.language.idOf(t) === PolynomialLanguage.UNK);
  if (unknown.length > 0) throw new Error(`the model has no token for ${unknown.map((t) => JSON.stringify(t)).join(", ")}`);
  const [candidates] = beamSearch(run.model, [source], {
    beams,
    sosId: PolynomialLanguage.SOS,
    eosId: PolynomialLanguage.EOS,
    forbidden: [PolynomialLanguage.UNK],
    lengthPenalty: 0,
  });
  return candidates.map((c, i) => {
    const predicted = run.language.decode(c.tokens);
    return {
      beam: i + 1,
      "model's expansion": predicted,
      "log-prob": Number(c.logProb.toFixed(3)),
      exact: predicted === truth,
      equivalent: predicted === truth || polynomialsEquivalent(predicted, truth),
    };
  });
}

export interface PolynomialExpanderOptions {
  /** The polynomial shown first (default "(7-3*z)*(-5*z-9)"). */
  text?: string;
  beams?: number;
  maxBeams?: number;
  debounceMs?: number;
}

/**
 * A text box for a factored polynomial (any letter a–z, `sin/cos/tan` of a letter) and a beam
 * slider; shows numlab's expansion and the model's candidates with whether each agrees.
 */
export function polynomialExpander(run: PolynomialRunLike, options: PolynomialExpanderOptions = {}): Interactive<{ polynomial: Text; beams: IntSlider }> {
  const maxBeams = options.maxBeams ?? 5;
  const controls = {
    polynomial: new Text({ value: options.text ?? "(7-3*z)*(-5*z-9)", description: "factored", continuousUpdate: true }),
    beams: new IntSlider({ value: Math.min(options.beams ?? 1, maxBeams), min: 1, max: maxBeams, description: "beams" }),
  };
  return interact(
    ({ polynomial, beams }) => {
      let rows: Row[];
      try {
        rows = polynomialExpansionRows(run, polynomial.trim(), beams);
      } catch (err) {
        console.log(`cannot expand ${JSON.stringify(polynomial)}: ${(err as Error).message}`);
        return;
      }
      console.log(`numlab's expander: ${polynomial.trim()} = ${expandToCanonical(polynomial.trim())}`);
      return table(rows);
    },
    controls,
    { debounceMs: options.debounceMs ?? 150, direction: "column" },
  );
}
