import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { PUBLIC_KEY, Role, ROLES_KEY } from './roles';
import { User, UsersService } from './users.service';

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: User;
  /** The bearer token's expiry (seconds since the epoch), for a response that outlives the request (a live feed). */
  tokenExpiresAt?: number;
}

/**
 * Every route needs a valid bearer token unless marked @Public(). The user's roles and status are read from the
 * database on every request, so a disabled or demoted user loses access at once, whatever the token says.
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
    let payload: { sub?: string; exp?: number };
    try {
      payload = await this.jwt.verifyAsync(match[1], { algorithms: ['HS256'] });
    } catch {
      throw new UnauthorizedException('the token is invalid or expired');
    }
    const user = payload.sub ? await this.users.find(payload.sub) : null;
    if (!user || user.disabled) throw new UnauthorizedException('the token is invalid or expired');
    request.user = user;
    request.tokenExpiresAt = payload.exp;
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (required && !required.some((role) => user.roles.includes(role))) {
      throw new ForbiddenException(`this needs one of the roles: ${required.join(', ')}`);
    }
    return true;
  }
}
