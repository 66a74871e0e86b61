import { describe, expect, it } from 'vitest';
import { REQUIRED_CODECS, builtinFeatures, missingFeatures } from './client-features.ts';

describe('client features', () => {
  it('names the codecs a build without zstd lacks, in order', () => {
    expect(missingFeatures(REQUIRED_CODECS, ['gzip', 'snappy', 'ssl', 'lz4'])).toEqual(['zstd']);
    expect(missingFeatures(REQUIRED_CODECS, [])).toEqual(['gzip', 'snappy', 'lz4', 'zstd']);
  });

  it('finds every codec in the build this project installs (the postinstall check guarantees it)', () => {
    expect(builtinFeatures()).toEqual(expect.arrayContaining([...REQUIRED_CODECS]));
    expect(missingFeatures(REQUIRED_CODECS)).toEqual([]);
  });
});
