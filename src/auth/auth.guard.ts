import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { PUBLIC_KEY, Role, ROLES_KEY } from './roles';
import { User, UsersService } from './users.service';

/** The claims the guard reads from a verified access token. */
export interface AccessClaims {
  sub?: string;
  /** Expiry, seconds since the epoch. */
  exp?: number;
  /** The user's token generation when it was issued; absent in tokens from before generations (counted as 0). */
  gen?: number;
}

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: User;
  /** The verified token's claims, for a response that outlives the request (a live feed checks them again). */
  claims?: AccessClaims;
}

/** Whether a verified token still admits its user: not expired, the user enabled, and no new password or disabling since it was issued. */
export function admits(user: User | null, claims: AccessClaims, nowMs: number): user is User {
  if (claims.exp !== undefined && nowMs >= claims.exp * 1000) return false;
  return !!user && !user.disabled && (claims.gen ?? 0) === user.tokenGeneration;
}

/**
 * Every route needs a valid bearer token unless marked @Public(). The user's roles, status and token generation are
 * read from the database on every request, so a disabled or demoted user loses access at once, whatever the token
 * says, and a token issued before a new password or a disabling never works again.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('a bearer token is required');
    let claims: AccessClaims;
    try {
      claims = await this.jwt.verifyAsync(match[1], { algorithms: ['HS256'] });
    } catch {
      throw new UnauthorizedException('the token is invalid or expired');
    }
    const user = claims.sub ? await this.users.find(claims.sub) : null;
    // verifyAsync has checked the expiry already; admits() checks it too for the live feed, which asks again later.
    if (!admits(user, claims, Date.now())) throw new UnauthorizedException('the token is invalid or expired');
    request.user = user;
    request.claims = claims;
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (required && !required.some((role) => user.roles.includes(role))) {
      throw new ForbiddenException(`this needs one of the roles: ${required.join(', ')}`);
    }
    return true;
  }
}

/** The authenticated user (set by AuthGuard). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest().user as User);
