import { describe, expect, it } from 'vitest';
import { glanceUrl } from './glance.ts';

describe('glanceUrl', () => {
  it.each([
    ['http://127.0.0.1:9292', '/v2/images?marker=a', 'http://127.0.0.1:9292/v2/images?marker=a'],
    ['http://127.0.0.1:9292/v2/', '/v2/images?marker=a', 'http://127.0.0.1:9292/v2/images?marker=a'],
    ['http://host/image', '/v2/images?marker=a', 'http://host/image/v2/images?marker=a'],
    ['http://host/image/v2', '/images', 'http://host/image/v2/images'],
  ])('%s + %s', (endpoint, path, url) => {
    expect(glanceUrl(endpoint, path)).toBe(url);
  });
});
