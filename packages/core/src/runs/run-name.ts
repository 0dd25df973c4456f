import { randomInt } from 'node:crypto';

// Short words so that `<adjective>-<noun>-<0..999>` stays within MLflow's 20 characters.
const ADJECTIVES = [
  'able', 'bold', 'brave', 'bright', 'calm', 'clever', 'cool', 'crisp', 'deft', 'eager', 'fair', 'fast',
  'fine', 'glad', 'grand', 'keen', 'kind', 'lucid', 'merry', 'neat', 'nimble', 'noble', 'proud', 'quick',
  'quiet', 'rare', 'sharp', 'shy', 'sleek', 'smart', 'snappy', 'stoic', 'sunny', 'swift', 'tidy', 'vivid',
  'warm', 'wise', 'witty', 'zesty',
];
const NOUNS = [
  'ant', 'bat', 'bee', 'boar', 'cat', 'colt', 'crab', 'crow', 'deer', 'dove', 'duck', 'eel', 'elk', 'fawn',
  'finch', 'fox', 'frog', 'goat', 'gull', 'hare', 'hawk', 'jay', 'koi', 'lark', 'lynx', 'mole', 'moth',
  'newt', 'owl', 'puma', 'ram', 'seal', 'shrew', 'snail', 'swan', 'toad', 'vole', 'wasp', 'wolf', 'wren',
];

/** A random run name `<adjective>-<noun>-<0..999>`, at most 20 characters, as MLflow generates them. */
export function generateRunName(): string {
  const adjective = ADJECTIVES[randomInt(ADJECTIVES.length)]!;
  const noun = NOUNS[randomInt(NOUNS.length)]!;
  return `${adjective}-${noun}-${randomInt(1000)}`;
}
