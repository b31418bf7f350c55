/**
 * numlab: the public API, named item by item and grouped by pipeline stage:
 * setup → display → widgets → data → datasets → tokenizers → models → training → evaluation → embeddings → math → plots.
 *
 * Re-exports only, each name spelled out (no `export *`), inside `// #region Title: summary` blocks
 * that scripts/gen-api-docs.ts turns into docs/api/<title>.md. Everything else (low-level helpers,
 * weight initializers, kernel patches, codecs, step functions) is reachable through `numlab/internal`
 * (src/internal.ts). A type a public signature names is public too. After a change, regenerate the
 * docs: `npx tsx scripts/gen-api-docs.ts` (tests/api/exports.test.ts checks them).
 */

// #region Setup: the smoke switch, seeded randomness and the TensorFlow.js backend
export { isSmoke, bySmoke } from "./smoke";
export { Rng } from "./random";
export { pace, InterruptedError } from "./cancel";
export { initBackend, ensureBackend, backendInfo, describeBackend, type BackendName, type BackendInfo, type InitOptions } from "./backend";
// #endregion

// #region Display: show figures, tables, tensors and progress in a notebook (text elsewhere)
export { show, asDisplayable, writeFiguresHtml, type Figure, type PlotlyTrace } from "./display/figure";
export { table, showTable, type Row, type TableOptions, type TableData } from "./display/table";
export { tensorView, type TensorDisplayOptions, type TensorLike } from "./display/tensor";
export { progress, withProgress, Progress, type ProgressOptions, type ProgressMode, type Postfix } from "./display/progress";
export { display, clearOutput, DISPLAY_SYMBOL, type Displayable, type MimeBundle } from "./display/bridge";
// #endregion

// #region Widgets: interactive controls (ipywidgets protocol) and the walkthroughs' explorers
export {
  IntSlider,
  FloatSlider,
  IntText,
  Dropdown,
  Text,
  Textarea,
  Checkbox,
  Button,
  HTML,
  Label,
  Box,
  HBox,
  VBox,
  type SliderOptions,
  type IntTextOptions,
  type DropdownOptions,
  type DropdownChoices,
  type TextOptions,
  type TextareaOptions,
  type CheckboxOptions,
  type ButtonOptions,
  type HTMLOptions,
  type BoxOptions,
} from "./widgets/controls";
export { interact, Interactive, type Control, type ControlValues, type InteractOptions } from "./widgets/interact";
export { Output, type NotebookOutput, type CaptureOptions, type StreamOutput, type DisplayOutput, type ErrorOutput } from "./widgets/output";
export {
  nextIntegerExplorer,
  factorizationExplorer,
  nameSampler,
  sampleNamesWithTemperature,
  polynomialExpander,
  polynomialExpansionRows,
  type PolynomialExpanderOptions,
  type PolynomialRunLike,
  type NextIntegerExplorerOptions,
  type FactorizationExplorerOptions,
  type FactorizationRunLike,
  type NameSamplerOptions,
} from "./widgets/walkthroughs";
export type { Buffers } from "./widgets/link";
export {
  Widget,
  DOMWidget,
  DescriptionWidget,
  ValueWidget,
  Layout,
  Style,
  isWidget,
  type WidgetChange,
  type WidgetObserver,
  type LayoutOptions,
  type DOMWidgetOptions,
  type DescriptionOptions,
} from "./widgets/widget";
// #endregion

// #region Data: where bytes come from: downloads and the cache, OEIS, names, polynomial pairs
export {
  locateDataFile,
  findLocalDataFile,
  cacheDir,
  readLines,
  DataIntegrityError,
  DownloadTimeoutError,
  DataFileError,
  checkDataFile,
  type DataSource,
  type LocateOptions,
  type CacheDirContext,
} from "./data/download";
export {
  loadOeis,
  locateOeisFile,
  findOeisSubset,
  parseOeisFile,
  formatParseSummary,
  OEIS_STRIPPED,
  OeisCollection,
  OeisParseError,
  type OeisSequence,
  type LoadOeisOptions,
  type OeisTerm,
  type OeisParseOptions,
  type OeisParseSummary,
  type MalformedLine,
} from "./data/oeis";
export {
  oeisStats,
  oeisStatsRows,
  formatOeisStats,
  abbreviateDigits,
  abbreviateLongNumbers,
  IntegerFrequencies,
  NumberCounter,
  type OeisStats,
  type OeisStatsOptions,
  type ExactValue,
} from "./data/oeis-stats";
export { loadNames, NamesFormatError, type LoadNamesOptions } from "./data/names";
export {
  loadPolynomialPairs,
  readPolynomialPairs,
  formatSkippedPairs,
  loadRealPolynomialPairs,
  splitPolynomialPairs,
  polynomialSplitSizes,
  formatPolynomialSplitSizes,
  checkPolynomialSplit,
  PolynomialDataError,
  type PolynomialReadResult,
  type PolynomialSplitSizes,
  type PolynomialSplit,
  type PolynomialLoadOptions,
  type PolynomialSplitOptions,
} from "./data/polynomials";
export {
  generatePolynomialPairs,
  ALL_LETTERS_POLYNOMIAL_GENERATOR,
  DEFAULT_POLYNOMIAL_GENERATOR,
  polynomialGeneratorFor,
  polynomialLetter,
  renamePolynomialLetter,
  type PolynomialGeneratorOptions,
} from "./data/polynomial-generator";
// #endregion

// #region Datasets: shaping data for models: padded sequences, task splits, batches
export {
  SequenceDataset,
  datasetSizeTable,
  BatchIterator,
  type SequenceBatch,
  type SequenceSource,
  type SequenceDatasetOptions,
  type BatchOptions,
  type DatasetSizeRow,
  type BatchCursor,
} from "./datasets/sequence-dataset";
export {
  arithmeticData,
  type ArithmeticTask,
  type ArithmeticDataConfig,
  type ArithmeticData,
  type ArithmeticProblem,
  type ArithmeticSplit,
} from "./datasets/arithmetic";
export { buildDataset, buildSplitDatasets, splitWords, type CharContexts, type WordSplits, type ContextSplits } from "./datasets/char-contexts";
export { makeDigitSequences, relabelDigitSequences, type DigitSequences, type DigitSequenceOptions } from "./datasets/digit-sequences";
// #endregion

// #region Tokenizers: base-n digits, the polynomial language, characters
export { baseNTokenizer, type BaseNTokenizer } from "./tokenizers/base-n";
export { PolynomialLanguage, type PolynomialEncodeOptions, type PolynomialLanguageJson } from "./tokenizers/polynomial-language";
export { encodeChars, decodeChars, charToToken, tokenToChar, CHARACTERS, CHARACTER_VOCAB_SIZE } from "./tokenizers/characters";
// #endregion

// #region Models: the seq2seq transformer and decoding, the LSTM and MLP language models, token encodings
export {
  createTransformer,
  transformerConfig,
  DEFAULT_TRANSFORMER_CONFIG,
  parameterCount,
  disposeTransformer,
  attentionWeights,
  type Transformer,
  type TransformerConfig,
} from "./models/transformer";
export {
  greedyDecode,
  beamSearch,
  sequenceLogProbs,
  type DecodeOptions,
  type BeamSearchOptions,
  type BeamCandidate,
  type DecodingModels,
} from "./models/decoding";
export { createLstmLm, type LstmLm, type LstmLmConfig, type LstmLayerWeights } from "./models/lstm-lm";
export {
  createMlpLm,
  mlpLmParamCount,
  mlpLmLogits,
  mlpLmLoss,
  mlpLmProbabilities,
  disposeMlpLm,
  crossEntropyFromIndices,
  type MlpLm,
  type MlpLmConfig,
  type MlpLmInit,
} from "./models/mlp-lm";
export {
  createLstmClassifier,
  lstmClassifierPredict,
  lstmClassifierParamCount,
  disposeLstmClassifier,
  type LstmClassifier,
  type LstmClassifierConfig,
} from "./models/lstm-classifier";
export { integerCodeDistances, oneHotRows, encodingBytes, embeddingLookup, EmbeddingIndexError } from "./models/token-encodings";
// #endregion

// #region Training: the trainers with their defaults and presets, reading run directories, the shipped models, TensorBoard
export {
  trainArithmetic,
  loadArithmeticRun,
  loadArithmeticEnsemble,
  shippedArithmeticRunDir,
  digitEmbeddings,
  ARITHMETIC_DEFAULTS,
  type ArithmeticRunConfig,
  type ArithmeticTrainOptions,
  type ArithmeticRun,
  type ArithmeticDefaults,
  type ArithmeticOnResume,
} from "./train/arithmetic";
export {
  trainPolynomial,
  loadPolynomialRun,
  shippedPolynomialRunDir,
  polynomialRunSplit,
  polynomialTrainingPairs,
  polynomialAzValidation,
  readPolynomialRunConfig,
  SEED_POLYNOMIAL_MODEL,
  POLYNOMIAL_DEFAULTS,
  type PolynomialRunConfig,
  type PolynomialTrainOptions,
  type PolynomialRun,
  type PolynomialDataConfig,
  type PolynomialAugmentConfig,
  type PolynomialDefaults,
  type PolynomialOnResume,
} from "./train/polynomial";
export type { Seq2SeqTrainConfig, Seq2SeqTrainSummary, Seq2SeqOnResume } from "./train/seq2seq";
export {
  trainLstm,
  loadLstmModel,
  shippedLstmRunDir,
  lstmEmbeddingsAt,
  lstmSnapshotSteps,
  LSTM_CPU_CONFIG,
  LSTM_SEED_CONFIG,
  LSTM_SMOKE_CONFIG,
  LSTM_DEFAULTS,
  type LstmTrainConfig,
  type TrainLstmOptions,
  type TrainLstmSummary,
  type LstmMetricsRecord,
  type LstmOnResume,
} from "./train/lstm-lm";
export {
  trainMakemore,
  readMakemoreRunConfig,
  evaluateSplits,
  datasetLoss,
  sampleNames,
  lrFinder,
  sweepMakemore,
  MAKEMORE_DEFAULTS,
  type MakemoreConfig,
  type TrainMakemoreOptions,
  type MakemoreRun,
  type SplitLosses,
  type LrFinderOptions,
  type LrFinderResult,
  type SweepGrid,
  type SweepRow,
  type ResolvedMakemoreConfig,
  type MakemoreLossPoint,
  type SweepPoint,
  type SweepOptions,
  type MakemoreOnResume,
} from "./train/makemore";
export {
  trainSequenceClassifier,
  sequenceAccuracy,
  SEQUENCE_CLASSIFIER_DEFAULTS,
  type SequenceClassifierOptions,
  type SequenceClassifierRun,
} from "./train/sequence-classifier";
export {
  readConfig,
  readMetrics,
  hasCheckpoint,
  checkpointStep,
  loadCheckpoint,
  NonFiniteLossError,
  CheckpointError,
  type Checkpoint,
  type Json,
  type NonFiniteContext,
} from "./train/run-dir";
export { RunLockedError, readRunLock, type RunLockHolder } from "./train/run-lock";
export { RunInputError, recordedRunInputs, type RunInput, type ResumeExpectation } from "./train/run-inputs";
export { listPresets, readPreset, type Preset, type PresetTrainer, type PresetOptionsByTrainer } from "./train/presets";
export { readModelsManifest, shippedModel, shippedModelDir, type ShippedModel, type ShippedModelTask, type ModelsManifest } from "./train/shipped-models";
export { EventFileWriter, writeProjectorEmbedding } from "./train/tensorboard";
// #endregion

// #region Evaluation: scoring models: arithmetic and polynomial metrics, next-integer predictions, probes, the next-term benchmark
export {
  evaluateArithmetic,
  judgeCandidate,
  additionGrid,
  type ArithmeticEvaluation,
  type AdditionGridPoint,
  type ArithmeticCandidates,
  type ArithmeticGroupScore,
  type ArithmeticDigitScore,
} from "./eval/arithmetic";
export {
  evaluatePolynomialModel,
  predictPolynomials,
  scorePolynomialPredictions,
  polynomialExampleRows,
  comparePolynomialScores,
  polynomialDisagreements,
  polynomialForm,
  polynomialGroupScores,
  polynomialGroupRows,
  polynomialSeenUnseenScores,
  type PolynomialForm,
  type PolynomialGroupScore,
  type PolynomialGroupScores,
  type PolynomialScores,
  type PolynomialPrediction,
  type ScoredPolynomialPrediction,
  type PolynomialPredictOptions,
} from "./eval/polynomial";
export {
  polynomialEda,
  polynomialEdaSummary,
  checkPolynomialExpansions,
  polynomialShape,
  type PolynomialEda,
  type PolynomialEdaOptions,
  type PolynomialExpansionCheck,
  type PolynomialCountDistribution,
  type PolynomialValueDistribution,
} from "./eval/polynomial-eda";
export { predictNext, continueSequence, predictionTable, type NextIntegerPredictor, type NextIntegerGuess } from "./eval/predict-next";
export { propertyLabels, hasProperty, PROPERTY_NAMES, type PropertyName } from "./eval/number-properties";
export {
  probeEmbeddings,
  probeTarget,
  compareEmbeddingProbes,
  stratifiedKFold,
  type NamedEmbeddings,
  type ProbeOptions,
  type ProbeResult,
  type ProbeRow,
  type FeatureRows,
  type Fold,
  type LogisticRegressionOptions,
} from "./eval/probes";
export {
  runNextTermBenchmark,
  scoreNextTerm,
  nextTermTable,
  nextTermContrasts,
  nextTermExampleRows,
  whatComesNextRows,
  type NextTermBenchmarkOptions,
  type NextTermBenchmark,
  type NextTermScores,
  type NextTermRecord,
  type NextTermSplit,
  type NextTermSplitConfig,
  type NextTermItem,
  type PrefixSpec,
  type MethodScore,
  type ScoreGroup,
  type RecordedFit,
  type SequenceFeatures,
} from "./eval/next-term";
// #endregion

// #region Embeddings: integer embeddings from GloVe, BERT and TSV files, and random baselines
export {
  readEmbeddingsTsv,
  writeEmbeddingsTsv,
  integerEmbeddingsFromRows,
  firstIntegerEmbeddings,
  type IntegerEmbeddings,
  type ParseTsvOptions,
} from "./embeddings/tsv";
export { readGloveIntegers, type GloveOptions } from "./embeddings/glove";
export { readBertIntegerEmbeddings, type BertEmbeddingOptions } from "./embeddings/bert";
export { randomIntegerEmbeddings, findGloveFile, findBertFiles } from "./embeddings/baselines";
// #endregion

// #region Math: primes and factorization, polynomial parsing and expansion (the checker), next-term solvers for integer sequences
export { factorize, isPrime, primesUpTo, smallestPrimeFactors } from "./math/primes";
export {
  parsePolynomial,
  expandPolynomial,
  expandToCanonical,
  formatExpanded,
  polynomialsEquivalent,
  polynomialDegree,
  PolynomialSyntaxError,
  type Polynomial,
  type PolynomialNode,
  type PolynomialPair,
  type PolynomialTerm,
} from "./math/polynomial";
export {
  guessNextTerms,
  SOLVER_FAMILIES,
  parseSequenceText,
  continueSpec,
  type SequenceFit,
  type SolverOptions,
  type ModelSpec,
  type SolverFamily,
} from "./math/sequence-solvers";
export { ruleSequences, scoreRuleRecovery, type RuleSequence, type RuleSequenceOptions, type RuleRecoveryScore } from "./math/rule-sequences";
// #endregion

// #region Plots: figure builders returning plain Plotly JSON (pass them to `show`)
export { lossCurve, lossCurves, smoothLosses, type LossPoint, type LossCurveOptions } from "./viz/curves";
export { oeisLengthHistogramFigure, oeisRankFrequencyFigure, oeisTopIntegersFigure, sequenceValueHistogramFigure } from "./viz/oeis";
export {
  pcaScatter,
  umapScatter,
  trainingLossCurve,
  probeAccuracyCurve,
  type ColorBy,
  type TrainingMetric,
  type ScatterOptions,
  type UmapOptions,
} from "./viz/embeddings";
export {
  additionGridFigure,
  attentionFigure,
  embeddingSimilarityFigure,
  baseComparisonFigure,
  cosineSimilarityMatrix,
  type BaseComparisonRow,
} from "./viz/arithmetic";
export {
  polynomialLengthFigure,
  polynomialTokenFrequencyFigure,
  polynomialVariableFigure,
  polynomialTermCountFigure,
  polynomialCoefficientFigure,
  polynomialFactorFigure,
  polynomialShapeFigure,
  polynomialLearningCurveFigure,
  type PolynomialMetricsRecord,
} from "./viz/polynomial";
export { polynomialLetterFigure, polynomialFormFigure, type NamedPolynomialGroups } from "./viz/polynomial-groups";
export { makemoreLossCurveFigure, lrFinderFigure, embeddingScatterFigure } from "./viz/makemore";
export { tokenMatrixFigure, accuracyByIndexFigure } from "./viz/rnn-primer";
export { nextTermAccuracyFigure, nextTermMethodsFigure } from "./viz/next-term";
// #endregion
