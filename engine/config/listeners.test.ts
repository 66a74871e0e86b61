import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { DEFAULT_LISTENERS, parseListeners, resolveListener } from './listeners.ts';

const parse = (value: string) => parseListeners({ key: 'listeners', value });

describe('listeners', () => {
  it('parses one http URL; port 0 is allowed; an empty host binds every interface; empty disables', () => {
    expect(parse('http://127.0.0.1:8083')).toEqual({ url: 'http://127.0.0.1:8083', host: '127.0.0.1', port: 8083 });
    expect(parse(' http://localhost:0/ ')).toEqual({ url: 'http://localhost:0', host: 'localhost', port: 0 });
    expect(parse('http://:8083')).toMatchObject({ host: '0.0.0.0', port: 8083 });
    expect(parse('http://[::1]:9000')).toMatchObject({ host: '::1', port: 9000 });
    expect(parse('')).toBeUndefined();
  });

  it.each([
    ['https://127.0.0.1:8083', 'not supported'],
    ['http://127.0.0.1:8083,http://127.0.0.1:8084', 'one listener only'],
    ['http://127.0.0.1:70000', 'port 0..65535'],
    ['127.0.0.1:8083', 'http://HOST:PORT'],
    ['http://127.0.0.1', 'http://HOST:PORT'],
    ['http://127.0.0.1:8083/metrics', 'http://HOST:PORT'],
    ['http://user:pw@127.0.0.1:8083', 'http://HOST:PORT'],
  ])('refuses %s naming the key', (value, expected) => {
    let err: unknown;
    try {
      parse(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe('listeners');
    expect((err as ConfigError).message).toContain(`'listeners' = '${value}'`);
    expect((err as ConfigError).message).toContain(expected);
  });

  it('resolves --listeners over the file over the default, with ${env:…} references', () => {
    expect(resolveListener('clusters = a, b\n', undefined)?.url).toBe(DEFAULT_LISTENERS);
    expect(resolveListener('listeners = http://0.0.0.0:${env:PORT}\n', undefined, { PORT: '9100' })).toMatchObject({ port: 9100 });
    expect(resolveListener('listeners =\n', undefined)).toBeUndefined();
    expect(resolveListener('listeners = http://127.0.0.1:1\n', 'http://127.0.0.1:0')).toMatchObject({ port: 0 });
    expect(() => resolveListener('', 'nonsense')).toThrow(/'--listeners' = 'nonsense'/);
  });
});
