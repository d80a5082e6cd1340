import { HttpException, HttpStatus } from '@nestjs/common';

/** No live session. Pages turn it into a redirect to /login; JSON callers get a 401. */
export class UnauthenticatedException extends HttpException {
  constructor() {
    super(
      { statusCode: 401, code: 'UNAUTHENTICATED', message: 'Sign in to continue.' },
      HttpStatus.UNAUTHORIZED,
    );
  }
}

export class CsrfRejectedException extends HttpException {
  constructor() {
    super(
      {
        statusCode: 403,
        code: 'CSRF_TOKEN_INVALID',
        message:
          'The security token of this form is missing or out of date, so nothing was changed. Reload the page and try again.',
      },
      HttpStatus.FORBIDDEN,
    );
  }
}

/** Also what a non-member or non-admin gets: a page of someone else's looks exactly like no page. */
export class PortalNotFoundException extends HttpException {
  constructor() {
    super({ statusCode: 404, code: 'NOT_FOUND', message: 'Not found.' }, HttpStatus.NOT_FOUND);
  }
}

export class WorkspaceRoleException extends HttpException {
  constructor(roles: readonly string[]) {
    super(
      {
        statusCode: 403,
        code: 'WORKSPACE_ROLE_REQUIRED',
        message: `This needs one of these workspace roles: ${roles.join(', ')}.`,
      },
      HttpStatus.FORBIDDEN,
    );
  }
}

export class InvalidAdminTokenException extends HttpException {
  constructor() {
    super(
      { statusCode: 401, code: 'ADMIN_TOKEN_INVALID', message: 'The bearer token is not the admin token.' },
      HttpStatus.UNAUTHORIZED,
    );
  }
}
