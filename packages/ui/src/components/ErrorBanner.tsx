import { ApiError } from '../api/client';

/** An API failure as the user should read it: MLflow's code and message. */
export function ErrorBanner({ error }: { error: unknown }) {
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div class="error" role="alert">
      {code && <code>{code}</code>} {message}
    </div>
  );
}
