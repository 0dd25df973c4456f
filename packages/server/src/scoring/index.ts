export {
  createScoringServer,
  DEFAULT_SCORING_BODY_LIMIT,
  DEFAULT_SCORING_TIMEOUT_SECONDS,
  type RunningScoringServer,
  type ScoringServerOptions,
  startScoringServer,
} from './scoring-server.js';
export { parseCsvInput, parseJsonInput, type ParsedRequest } from './parse-input.js';
export { predictionsBody, toJsonPredictions } from './predictions.js';
export {
  MAX_SCORING_WORKERS,
  type RunningScoringWorkers,
  type ScoringWorkersOptions,
  startScoringWorkers,
} from './scoring-workers.js';
