import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ConfigService } from '@nestjs/config';
import { APP_CONFIG, AppConfig } from '../config/config';

const isLogin = (ctx: ExecutionContext) => ctx.switchToHttp().getRequest().routeOptions?.url === '/auth/token';
const isRead = (ctx: ExecutionContext) => ['GET', 'HEAD', 'OPTIONS'].includes(ctx.switchToHttp().getRequest().method);

/**
 * Two limits: sign-in attempts per client address (guessing passwords), and writes per user (a runaway script).
 * Reads are not limited here. Counters live in each instance's memory: with N instances the effective limit is N
 * times the configured one.
 */
export function rateLimits() {
  return ThrottlerModule.forRootAsync({
    inject: [ConfigService],
    useFactory: (configService: ConfigService) => {
      const config = configService.get<AppConfig>(APP_CONFIG)!;
      return {
        throttlers: [
          { name: 'login', ttl: 60_000, limit: config.NEWSROOM_RATE_LIMIT_LOGIN, skipIf: (ctx: ExecutionContext) => !isLogin(ctx) },
          { name: 'writes', ttl: 60_000, limit: config.NEWSROOM_RATE_LIMIT_WRITES, skipIf: (ctx: ExecutionContext) => isLogin(ctx) || isRead(ctx) },
        ],
      };
    },
  });
}

/** Runs after AuthGuard: writes are counted per user, sign-ins per address. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected async getTracker(req: Record<string, unknown>): Promise<string> {
    const user = req.user as { id?: string } | undefined;
    return user?.id ? `user:${user.id}` : `ip:${String(req.ip)}`;
  }
}
