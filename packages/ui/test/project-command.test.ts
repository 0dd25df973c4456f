import { describe, expect, it } from 'vitest';
import { projectSourceOf } from '../src/project-command';

describe('projectSourceOf', () => {
  it('is undefined for runs that were not started as projects', () => {
    expect(projectSourceOf([{ key: 'mlflow.source.type', value: 'LOCAL' }], [])).toBeUndefined();
  });

  it('rebuilds the labbook run command from tags and logged (shell-quoted) params', () => {
    const tags = [
      { key: 'mlflow.source.type', value: 'PROJECT' },
      { key: 'mlflow.source.name', value: 'https://github.com/acme/train#models/cnn' },
      { key: 'mlflow.source.git.repoURL', value: 'https://github.com/acme/train' },
      { key: 'mlflow.source.git.commit', value: 'abc123' },
      { key: 'mlflow.project.entryPoint', value: 'train' },
      { key: 'mlflow.project.backend', value: 'echo' },
    ];
    const source = projectSourceOf(tags, [
      { key: 'lr', value: '0.1' },
      { key: 'label', value: "'first try'" },
    ]);
    expect(source?.command).toBe(
      "labbook run 'https://github.com/acme/train#models/cnn' -e train -P lr=0.1 -P label='first try' -b echo --version abc123",
    );
    expect(source?.commit).toBe('abc123');
  });
});
