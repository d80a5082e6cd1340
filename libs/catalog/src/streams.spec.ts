import { aliasStream, costProfileStream, decodeModelKey, modelKey } from './streams';

describe('catalog stream names', () => {
  it('given model names with separators, when encoded, then only [A-Za-z0-9._~] remain and decoding gives them back', () => {
    for (const name of ['gpt-4o-mini', 'meta/llama-3:70b', 'ünï code', 'a~b']) {
      const key = modelKey(name);
      expect(key).toMatch(/^[A-Za-z0-9._~]+$/);
      expect(decodeModelKey(key)).toBe(name);
    }
  });

  it('given provider ids and models that would collide when joined with "-", when streamed, then the names differ', () => {
    expect(costProfileStream('a-b', 'c')).not.toBe(costProfileStream('a', 'b-c'));
    expect(costProfileStream('prov-1', 'gpt-4o')).toBe('cost-profile-prov-1-gpt~2d4o');
    expect(aliasStream('chat/fast')).toBe('alias-chat~2ffast');
  });
});
