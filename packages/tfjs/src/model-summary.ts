/** What `summary()` needs of a TF.js model. */
export interface SummarizableModel {
  summary(lineLength?: number, positions?: number[], printFn?: (message?: unknown, ...rest: unknown[]) => void): void;
}

/** The text of `model.summary()` (MLflow's `model_summary.txt`), captured instead of printed. */
export function modelSummaryText(model: SummarizableModel): string {
  const lines: string[] = [];
  model.summary(undefined, undefined, (message?: unknown, ...rest: unknown[]) => {
    lines.push([message, ...rest].map((m) => String(m ?? '')).join(' '));
  });
  return `${lines.join('\n')}\n`;
}
