// REST stores for http(s):// tracking URIs and the mlflow-artifacts: repository (filled in by the server work).
export {};
