export * from './config.ts';
export * from './key-files.ts';
export * from './keys.ts';
export * from './middleware.ts';
export * from './signer.ts';
export * from './verifier.ts';
