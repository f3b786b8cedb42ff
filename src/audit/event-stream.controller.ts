import { BadRequestException, BeforeApplicationShutdown, Controller, MessageEvent, Req, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { AccessClaims, admits, AuthenticatedRequest } from '../auth/auth.guard';
import { CAN, Roles } from '../auth/roles';
import { UsersService } from '../auth/users.service';
import { problem } from '../common/problem.filter';
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
@ApiBearerAuth()
@Controller('events')
export class EventStreamController implements BeforeApplicationShutdown {
  /** The open feeds: ended when the service stops, which would otherwise wait for every client to hang up. */
  private readonly feeds = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    private readonly users: UsersService,
  ) {}

  @Sse('stream')
  @Roles(...CAN.audit)
  @ApiOperation({ summary: 'Live feed of new events; resumable with Last-Event-ID' })
  stream(@Req() req: FastifyRequest & AuthenticatedRequest): Observable<MessageEvent> {
    const resumeFrom = parseEventId(req.headers['last-event-id']);
    const { user, claims = {} } = req;
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
          if (!(await this.stillAdmitted(user?.id, claims))) return subscriber.complete();
          for (const e of events) {
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
      };
    });
  }

  beforeApplicationShutdown(): void {
    for (const end of this.feeds) end();
  }

  /** What AuthGuard checks, again: the token still admits an enabled user, who still has a role that may read events. */
  private async stillAdmitted(userId: string | undefined, claims: AccessClaims): Promise<boolean> {
    const user = userId ? await this.users.find(userId) : null;
    return admits(user, claims, Date.now()) && CAN.audit.some((role) => user.roles.includes(role));
  }
}
