import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Clock } from '../common/clock';
import { correlationId, idempotency } from '../common/http';
import { CurrentUser } from './auth.guard';
import { problem } from '../common/problem.filter';
import { IdempotencyStore } from '../event-store/idempotency.store';
import { CreateUserDto, TokenDto, UpdateUserDto } from './auth.dto';
import { CAN, Public, Roles } from './roles';
import { User, UsersService } from './users.service';

const actorOf = (user: User, req: FastifyRequest) => ({ id: user.id, username: user.username, roles: user.roles, correlationId: correlationId(req) });

const view = ({ id, username, roles, disabled }: User) => ({ id, username, roles, disabled });

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly config: ConfigService,
    private readonly dataSource: DataSource,
    private readonly idempotencyStore: IdempotencyStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Idempotency-Key on the user commands, as on the article commands (docs/api.md: any POST/PATCH): the key, the
   * request's fingerprint and the answer commit in the command's transaction; a retry gets the first answer.
   */
  private async idempotent<T>(req: FastifyRequest, reply: FastifyReply, actor: User, body: unknown, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const key = idempotency(req, body);
    if (!key) return work(this.dataSource.manager);
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      const earlier = await this.idempotencyStore.claim(manager, actor.id, key, this.clock.now());
      if (earlier) {
        reply.header('Idempotent-Replayed', 'true');
        return earlier as T;
      }
      const result = await work(manager);
      await this.idempotencyStore.complete(manager, actor.id, key.key, result);
      return result;
    });
  }

  @Post('auth/token')
  @Public()
  @HttpCode(200)
  async token(@Body() dto: TokenDto) {
    const user = await this.users.authenticate(dto.username, dto.password);
    if (!user) throw new UnauthorizedException(problem(401, 'wrong username or password', {}, 'BAD_CREDENTIALS'));
    const expiresIn = this.config.get<AppConfig>(APP_CONFIG)!.NEWSROOM_TOKEN_TTL;
    const accessToken = await this.jwt.signAsync({ sub: user.id, username: user.username, gen: user.tokenGeneration }, { expiresIn, algorithm: 'HS256' });
    return { accessToken, tokenType: 'Bearer', expiresIn };
  }

  @Get('users/me')
  @ApiBearerAuth()
  me(@CurrentUser() user: User) {
    const { id, username, roles } = user;
    return { id, username, roles };
  }

  @Post('users')
  @ApiBearerAuth()
  @Roles(...CAN.admin)
  async create(@Body() dto: CreateUserDto, @CurrentUser() admin: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.idempotent(req, reply, admin, dto, async (manager) => {
      const { id, username, roles } = await this.users.create(dto.username, dto.password, [...new Set(dto.roles)], actorOf(admin, req), manager);
      return { id, username, roles };
    });
    reply.header('Location', `/users/${result.id}`);
    return result;
  }

  @Get('users')
  @ApiBearerAuth()
  @Roles(...CAN.admin)
  async list() {
    return (await this.users.list()).map(view);
  }

  @Patch('users/:id')
  @ApiBearerAuth()
  @Roles(...CAN.admin)
  async update(@Param('id') id: string, @Body() dto: UpdateUserDto, @CurrentUser() admin: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.idempotent(req, reply, admin, dto, async (manager) => {
      if (!(await this.users.find(id, manager))) throw new NotFoundException(problem(404, 'no such user', {}, 'USER_NOT_FOUND'));
      return view(await this.users.update(id, { roles: dto.roles && [...new Set(dto.roles)], disabled: dto.disabled, password: dto.password }, actorOf(admin, req), manager));
    });
  }

  /** Users are disabled, never erased: the audit trail still names them. */
  @Delete('users/:id')
  @ApiBearerAuth()
  @Roles(...CAN.admin)
  async remove(@Param('id') id: string, @CurrentUser() admin: User, @Req() req: FastifyRequest) {
    if (!(await this.users.find(id))) throw new NotFoundException(problem(404, 'no such user', {}, 'USER_NOT_FOUND'));
    return view(await this.users.update(id, { disabled: true }, actorOf(admin, req)));
  }
}
