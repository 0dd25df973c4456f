export * from './image-codec.js';
export * from './image-input.js';
export * from './image-artifact-name.js';
export * from './webp-lossless.js';
export * from './log-image.js';
