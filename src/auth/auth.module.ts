import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { CommonModule } from '../common/common.module';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { jwtSecret } from './jwt-secret';
import { RateLimitGuard, rateLimits } from './rate-limit';
import { UsersService } from './users.service';

/**
 * Users (recorded as events in their own streams), sign-in and tokens, and the guards every route passes: the
 * bearer token and role check, then the rate limits.
 */
@Module({
  imports: [
    CommonModule,
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        // A KeyObject, not the string: given a string, jsonwebtoken tries to parse it as a PEM public key (and fails)
        // on every verify, which cost ~0.5 ms per request (docs/benchmarks.md).
        secret: createSecretKey(Buffer.from(jwtSecret(config.get<AppConfig>(APP_CONFIG)!))),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
    rateLimits(),
  ],
  controllers: [AuthController],
  providers: [UsersService, { provide: APP_GUARD, useClass: AuthGuard }, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [UsersService],
})
export class AuthModule {}
