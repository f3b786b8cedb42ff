import { BadRequestException, BeforeApplicationShutdown, Controller, HttpException, MessageEvent, Req, Sse } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/openapi';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { AccessClaims, admits, AuthenticatedRequest } from '../auth/auth.guard';
import { CAN, Roles, seesUserEvents } from '../auth/roles';
import { isArticleStream } from '../articles/domain/article-stream';
import { UsersService } from '../auth/users.service';
import { problem } from '../common/problem.filter';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EventStore } from '../event-store/event-store.service';
import { GlobalPosition } from '../event-store/event-store.types';

const POLL_MS = 500;

/** "<transaction id>:<position>", the SSE event id: where a reconnecting client resumes. */
function parseEventId(id: string | string[] | undefined): GlobalPosition | null {
  if (id === undefined) return null;
  const match = typeof id === 'string' ? /^(\d{1,20}):(\d{1,18})$/.exec(id.trim()) : null;
  if (!match) throw new BadRequestException(problem(400, 'Last-Event-ID must be an id this stream sent ("<transaction>:<position>")', {}, 'BAD_LAST_EVENT_ID'));
  return { transactionId: match[1], position: Number(match[2]) };
}

/**
 * Server-Sent Events of new events, read from the store in commit-safe order (the same reader the projections
 * use), so a dashboard that reconnects with Last-Event-ID misses nothing and sees nothing twice.
 */
@ApiTags('audit')
@Controller('events')
export class EventStreamController implements BeforeApplicationShutdown {
  /** The open feeds: ended when the service stops, which would otherwise wait for every client to hang up. */
  private readonly feeds = new Set<() => void>();
  /** Open feeds per user id: each holds a polling loop and a connection, so one user may not open without end. */
  private readonly perUser = new Map<string, number>();
  private readonly maxPerUser: number;

  constructor(
    private readonly store: EventStore,
    private readonly users: UsersService,
    config: ConfigService,
  ) {
    this.maxPerUser = config.get<AppConfig>(APP_CONFIG)!.NEWSROOM_EVENT_STREAMS_PER_USER;
  }

  @Sse('stream')
  @Roles(...CAN.audit)
  @ApiRoute({
    summary: 'Live feed of new events (Server-Sent Events); resumable with Last-Event-ID',
    ok: {
      status: 200,
      description: 'An open stream: each event as an SSE message, id "<transaction>:<position>", event the type, data the stored event as JSON (articleId, version, type, data, metadata…). Ends when access is lost.',
      contentType: 'text/event-stream',
      schema: { type: 'string' },
    },
    auth: { roles: CAN.audit },
    problems: { 400: ['BAD_LAST_EVENT_ID'], 429: ['TOO_MANY_STREAMS'] },
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last message received: the stream resumes after it.', schema: { type: 'string', example: '1234:56' } })
  stream(@Req() req: FastifyRequest & AuthenticatedRequest): Observable<MessageEvent> {
    const resumeFrom = parseEventId(req.headers['last-event-id']);
    const { user, claims = {} } = req;
    // Per instance: with N instances a user may hold N times as many.
    const owner = user?.id ?? '';
    const open = this.perUser.get(owner) ?? 0;
    if (open >= this.maxPerUser) {
      throw new HttpException(problem(429, `at most ${this.maxPerUser} live feeds per user at once: close one first`, { retryAfter: 5 }, 'TOO_MANY_STREAMS'), 429);
    }
    this.perUser.set(owner, open + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.perUser.get(owner) ?? 1) - 1;
      if (left > 0) this.perUser.set(owner, left);
      else this.perUser.delete(owner);
    };
    return new Observable<MessageEvent>((subscriber) => {
      let stopped = false;
      const end = () => {
        stopped = true;
        subscriber.complete();
      };
      this.feeds.add(end);
      const loop = async () => {
        let cursor = resumeFrom ?? (await this.store.visibleHead(this.store.dataSource.manager));
        while (!stopped) {
          const events = await this.store.readAll(this.store.dataSource.manager, cursor, 200);
          // The guard admitted the subscriber once; the feed ends as soon as the token or the user would be refused.
          // Checked after the read: an event committed after a user was disabled is never sent to them.
          const roles = await this.stillAdmitted(user?.id, claims);
          if (!roles) return subscriber.complete();
          // Account events only for those who manage or audit users (judged on the roles they hold now).
          const userEvents = seesUserEvents(roles);
          for (const e of events) {
            if (!userEvents && !isArticleStream(e.streamId)) {
              cursor = { transactionId: e.transactionId, position: e.position };
              continue;
            }
            subscriber.next({
              id: `${e.transactionId}:${e.position}`,
              type: e.type,
              data: {
                position: e.position,
                articleId: e.streamId.replace(/^article-/, ''),
                version: e.version,
                type: e.type,
                schemaVersion: e.schemaVersion,
                data: e.data,
                metadata: e.metadata,
                recordedAt: e.recordedAt,
                hash: e.hash,
              },
            });
            cursor = { transactionId: e.transactionId, position: e.position };
          }
          if (events.length < 200) await new Promise((r) => setTimeout(r, POLL_MS));
        }
      };
      loop().catch((err: unknown) => {
        if (!stopped) subscriber.error(err);
      });
      return () => {
        stopped = true;
        this.feeds.delete(end);
        release();
      };
    });
  }

  beforeApplicationShutdown(): void {
    for (const end of this.feeds) end();
  }

  /**
   * What AuthGuard checks, again: the token still admits an enabled user, who still has a role that may read events.
   * Their roles now when admitted, else null.
   */
  private async stillAdmitted(userId: string | undefined, claims: AccessClaims): Promise<readonly string[] | null> {
    const user = userId ? await this.users.find(userId) : null;
    return admits(user, claims, Date.now()) && CAN.audit.some((role) => user.roles.includes(role)) ? user.roles : null;
  }
}
