import { PATH_METADATA } from '@nestjs/common/constants';
import { MeController } from './me.controller';
import { IDENTITY_OPENAPI_COMPONENTS, IDENTITY_OPENAPI_PATHS } from './openapi';

describe('identity OpenAPI fragment', () => {
  it('given the MeController routes, then each is documented under the same path', () => {
    const base = Reflect.getMetadata(PATH_METADATA, MeController) as string;
    const routes = Object.getOwnPropertyNames(MeController.prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => Reflect.getMetadata(PATH_METADATA, MeController.prototype[name as keyof MeController]))
      .filter((p): p is string => typeof p === 'string')
      .map((p) => `/${base}/${p}`.replace(/:(\w+)/g, '{$1}'));
    expect(routes.sort()).toEqual(Object.keys(IDENTITY_OPENAPI_PATHS).sort());
  });

  it('given the fragment, then every $ref points at a defined schema', () => {
    const refs = JSON.stringify(IDENTITY_OPENAPI_PATHS).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs)
      expect(Object.keys(IDENTITY_OPENAPI_COMPONENTS.schemas)).toContain(ref.split('/').pop());
    expect(refs.length).toBeGreaterThan(0);
  });
});
