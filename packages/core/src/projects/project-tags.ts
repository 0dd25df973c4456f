/** The tags a project run carries: MLflow's names, plus labbook's own under `labbook.project.`. */
export const ProjectTags = {
  SOURCE_TYPE_PROJECT: 'PROJECT',
  ENTRY_POINT: 'mlflow.project.entryPoint',
  ENV: 'mlflow.project.env',
  BACKEND: 'mlflow.project.backend',
  /** Legacy names MLflow 2.x still writes beside `mlflow.source.git.*`. */
  LEGACY_GIT_REPO_URL: 'mlflow.gitRepoURL',
  LEGACY_GIT_BRANCH: 'mlflow.gitBranchName',
  DOCKER_IMAGE_URI: 'mlflow.docker.image.uri',
  DOCKER_IMAGE_ID: 'mlflow.docker.image.id',
  /** The command's exit code (MLflow records none; a FAILED run says why here). */
  EXIT_CODE: 'labbook.project.exitCode',
  /** The signal that ended the command, when one did. */
  EXIT_SIGNAL: 'labbook.project.exitSignal',
} as const;
