import { describe, expect, it } from 'vitest';
import { REQUIRED_CODECS, builtinFeatures, describeConsumeError, missingFeatures } from './client-features.ts';

describe('client features', () => {
  it('names the codecs a build without zstd lacks, in order', () => {
    expect(missingFeatures(REQUIRED_CODECS, ['gzip', 'snappy', 'ssl', 'lz4'])).toEqual(['zstd']);
    expect(missingFeatures(REQUIRED_CODECS, [])).toEqual(['gzip', 'snappy', 'lz4', 'zstd']);
  });

  it('finds every codec in the build this project installs (the postinstall check guarantees it)', () => {
    expect(builtinFeatures()).toEqual(expect.arrayContaining([...REQUIRED_CODECS]));
    expect(missingFeatures(REQUIRED_CODECS)).toEqual([]);
  });

  it("explains librdkafka's bare 'Local: Not implemented' with the missing codec and the fix", () => {
    const err = { code: -170, message: 'Local: Not implemented' };
    const text = describeConsumeError(err, ['gzip', 'snappy', 'lz4']);
    expect(text).toMatch(/^Local: Not implemented: this librdkafka build lacks zstd, so a source partition compressed with it cannot be fetched/);
    expect(text).toContain('npm rebuild @confluentinc/kafka-javascript');
    expect(describeConsumeError(err, [...REQUIRED_CODECS])).toBe('Local: Not implemented');
    expect(describeConsumeError({ code: -195, message: 'Local: Broker transport failure' }, [])).toBe('Local: Broker transport failure');
  });
});
