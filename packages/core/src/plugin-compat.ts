/*
 * Plugin-authoring names that `@labbook/core` exported before `@labbook/core/plugin` existed.
 * Published plugins of contract v1 import them from the main entry, so they stay there, each
 * marked deprecated; they are the same objects as the `@labbook/core/plugin` exports. The list,
 * kept in step with test/public-surface.test.ts:
 *
 * definePlugin, PLUGIN_API_VERSION, parseFilter, parseOrderBy, tokenize, searchGrammar,
 * encodePageToken, decodePageToken, likeMatcher, ACCESSORS, runValue, runDatasetValues,
 * experimentValue, registeredModelValue, modelVersionValue, compileRunFilter, runMatchesFilter,
 * compareBy, searchRunsInMemory, searchExperimentsInMemory, searchRegisteredModelsInMemory,
 * searchModelVersionsInMemory, DEFAULTS, LIMITS, IMMUTABLE_TAGS, validateKey, requireValue,
 * truncateOrValidate, validateExperimentId, validateExperimentName, validateLength,
 * validateMaxResults, validateMetricPoint, validateRunId, validateAlias, validateBatch,
 * validateDatasetInputs, validateExperimentTag, validateMetric, validateModelName,
 * validateModelTag, validateModelVersion, validateParam, validateRunTag, artifactBodyBuffer,
 * artifactBodyStream, forEachBounded, withProgress, writeFileFromStream, joinArtifactPath,
 * FORBIDDEN_ARTIFACT_PATH_CHARS, hasForbiddenArtifactPathChar, isInside, isRealPathInside,
 * realPathOf, localPathFromUri, localPathIfLocal, isFileUri, isLocalPathUri, generateRunId,
 * generateRunName.
 */
import * as plugin from './plugin.js';

/** @deprecated Import from `@labbook/core/plugin`. */
export const definePlugin = plugin.definePlugin;
/** @deprecated Import from `@labbook/core/plugin`. */
export const PLUGIN_API_VERSION = plugin.PLUGIN_API_VERSION;
/** @deprecated Import from `@labbook/core/plugin`. */
export const parseFilter = plugin.parseFilter;
/** @deprecated Import from `@labbook/core/plugin`. */
export const parseOrderBy = plugin.parseOrderBy;
/** @deprecated Import from `@labbook/core/plugin`. */
export const tokenize = plugin.tokenize;
/** @deprecated Import from `@labbook/core/plugin`. */
export const searchGrammar = plugin.searchGrammar;
/** @deprecated Import from `@labbook/core/plugin`. */
export const encodePageToken = plugin.encodePageToken;
/** @deprecated Import from `@labbook/core/plugin`. */
export const decodePageToken = plugin.decodePageToken;
/** @deprecated Import from `@labbook/core/plugin`. */
export const likeMatcher = plugin.likeMatcher;
/** @deprecated Import from `@labbook/core/plugin`. */
export const ACCESSORS = plugin.ACCESSORS;
/** @deprecated Import from `@labbook/core/plugin`. */
export const runValue = plugin.runValue;
/** @deprecated Import from `@labbook/core/plugin`. */
export const runDatasetValues = plugin.runDatasetValues;
/** @deprecated Import from `@labbook/core/plugin`. */
export const experimentValue = plugin.experimentValue;
/** @deprecated Import from `@labbook/core/plugin`. */
export const registeredModelValue = plugin.registeredModelValue;
/** @deprecated Import from `@labbook/core/plugin`. */
export const modelVersionValue = plugin.modelVersionValue;
/** @deprecated Import from `@labbook/core/plugin`. */
export const compileRunFilter = plugin.compileRunFilter;
/** @deprecated Import from `@labbook/core/plugin`. */
export const runMatchesFilter = plugin.runMatchesFilter;
/** @deprecated Import from `@labbook/core/plugin`. */
export const compareBy = plugin.compareBy;
/** @deprecated Import from `@labbook/core/plugin`. */
export const searchRunsInMemory = plugin.searchRunsInMemory;
/** @deprecated Import from `@labbook/core/plugin`. */
export const searchExperimentsInMemory = plugin.searchExperimentsInMemory;
/** @deprecated Import from `@labbook/core/plugin`. */
export const searchRegisteredModelsInMemory = plugin.searchRegisteredModelsInMemory;
/** @deprecated Import from `@labbook/core/plugin`. */
export const searchModelVersionsInMemory = plugin.searchModelVersionsInMemory;
/** @deprecated Import from `@labbook/core/plugin`. */
export const DEFAULTS = plugin.DEFAULTS;
/** @deprecated Import from `@labbook/core/plugin`. */
export const LIMITS = plugin.LIMITS;
/** @deprecated Import from `@labbook/core/plugin`. */
export const IMMUTABLE_TAGS = plugin.IMMUTABLE_TAGS;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateKey = plugin.validateKey;
/** @deprecated Import from `@labbook/core/plugin`. */
export const requireValue = plugin.requireValue;
/** @deprecated Import from `@labbook/core/plugin`. */
export const truncateOrValidate = plugin.truncateOrValidate;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateExperimentId = plugin.validateExperimentId;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateExperimentName = plugin.validateExperimentName;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateLength = plugin.validateLength;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateMaxResults = plugin.validateMaxResults;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateMetricPoint = plugin.validateMetricPoint;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateRunId = plugin.validateRunId;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateAlias = plugin.validateAlias;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateBatch = plugin.validateBatch;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateDatasetInputs = plugin.validateDatasetInputs;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateExperimentTag = plugin.validateExperimentTag;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateMetric = plugin.validateMetric;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateModelName = plugin.validateModelName;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateModelTag = plugin.validateModelTag;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateModelVersion = plugin.validateModelVersion;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateParam = plugin.validateParam;
/** @deprecated Import from `@labbook/core/plugin`. */
export const validateRunTag = plugin.validateRunTag;
/** @deprecated Import from `@labbook/core/plugin`. */
export const artifactBodyBuffer = plugin.artifactBodyBuffer;
/** @deprecated Import from `@labbook/core/plugin`. */
export const artifactBodyStream = plugin.artifactBodyStream;
/** @deprecated Import from `@labbook/core/plugin`. */
export const forEachBounded = plugin.forEachBounded;
/** @deprecated Import from `@labbook/core/plugin`. */
export const withProgress = plugin.withProgress;
/** @deprecated Import from `@labbook/core/plugin`. */
export const writeFileFromStream = plugin.writeFileFromStream;
/** @deprecated Import from `@labbook/core/plugin`. */
export const joinArtifactPath = plugin.joinArtifactPath;
/** @deprecated Import from `@labbook/core/plugin`. */
export const FORBIDDEN_ARTIFACT_PATH_CHARS = plugin.FORBIDDEN_ARTIFACT_PATH_CHARS;
/** @deprecated Import from `@labbook/core/plugin`. */
export const hasForbiddenArtifactPathChar = plugin.hasForbiddenArtifactPathChar;
/** @deprecated Import from `@labbook/core/plugin`. */
export const isInside = plugin.isInside;
/** @deprecated Import from `@labbook/core/plugin`. */
export const isRealPathInside = plugin.isRealPathInside;
/** @deprecated Import from `@labbook/core/plugin`. */
export const realPathOf = plugin.realPathOf;
/** @deprecated Import from `@labbook/core/plugin`. */
export const localPathFromUri = plugin.localPathFromUri;
/** @deprecated Import from `@labbook/core/plugin`. */
export const localPathIfLocal = plugin.localPathIfLocal;
/** @deprecated Import from `@labbook/core/plugin`. */
export const isFileUri = plugin.isFileUri;
/** @deprecated Import from `@labbook/core/plugin`. */
export const isLocalPathUri = plugin.isLocalPathUri;
/** @deprecated Import from `@labbook/core/plugin`. */
export const generateRunId = plugin.generateRunId;
/** @deprecated Import from `@labbook/core/plugin`. */
export const generateRunName = plugin.generateRunName;
