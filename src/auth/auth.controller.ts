import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Res, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CurrentUser } from '../common/http';
import { problem } from '../common/problem.filter';
import { CreateUserDto, TokenDto, UpdateUserDto } from './auth.dto';
import { CAN, Public, Roles } from './roles';
import { User, UsersService } from './users.service';

const view = ({ id, username, roles, disabled }: User) => ({ id, username, roles, disabled });

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly config: ConfigService,
  ) {}

  @Post('auth/token')
  @Public()
  @HttpCode(200)
  async token(@Body() dto: TokenDto) {
    const user = await this.users.authenticate(dto.username, dto.password);
    if (!user) throw new UnauthorizedException(problem(401, 'wrong username or password', {}, 'BAD_CREDENTIALS'));
    const expiresIn = this.config.get<AppConfig>(APP_CONFIG)!.NEWSROOM_TOKEN_TTL;
    const accessToken = await this.jwt.signAsync({ sub: user.id, username: user.username }, { expiresIn, algorithm: 'HS256' });
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
  async create(@Body() dto: CreateUserDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const user = await this.users.create(dto.username, dto.password, [...new Set(dto.roles)]);
    reply.header('Location', `/users/${user.id}`);
    const { id, username, roles } = user;
    return { id, username, roles };
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
  async update(@Param('id') id: string, @Body() dto: UpdateUserDto) {
    if (!(await this.users.find(id))) throw new NotFoundException(problem(404, 'no such user', {}, 'USER_NOT_FOUND'));
    return view(await this.users.update(id, { roles: dto.roles && [...new Set(dto.roles)], disabled: dto.disabled, password: dto.password }));
  }

  /** Users are disabled, never erased: the audit trail still names them. */
  @Delete('users/:id')
  @ApiBearerAuth()
  @Roles(...CAN.admin)
  async remove(@Param('id') id: string) {
    if (!(await this.users.find(id))) throw new NotFoundException(problem(404, 'no such user', {}, 'USER_NOT_FOUND'));
    return view(await this.users.update(id, { disabled: true }));
  }
}
