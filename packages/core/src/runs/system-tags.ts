/** Names of the `mlflow.*` tags labbook reads and writes. */
export const SystemTags = {
  RUN_NAME: 'mlflow.runName',
  USER: 'mlflow.user',
  SOURCE_NAME: 'mlflow.source.name',
  SOURCE_TYPE: 'mlflow.source.type',
  GIT_COMMIT: 'mlflow.source.git.commit',
  GIT_BRANCH: 'mlflow.source.git.branch',
  GIT_REPO_URL: 'mlflow.source.git.repoURL',
  GIT_DIRTY: 'mlflow.source.git.dirty',
  PARENT_RUN_ID: 'mlflow.parentRunId',
  NOTE: 'mlflow.note.content',
  ARTIFACT_LOCATION: 'mlflow.artifactLocation',
  LOGGED_MODEL_HISTORY: 'mlflow.log-model.history',
  DATASET_CONTEXT: 'mlflow.data.context',
} as const;
