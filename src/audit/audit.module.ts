import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { AuditController } from './audit.controller';
import { EventStreamController } from './event-stream.controller';
import { Notary } from './notary.service';
import { Verifier } from './verifier.service';

/** Proof over the log: verification, the notary's keyed chain, the global audit trail and the live event feed. */
@Module({
  imports: [AuthModule, ReadModelsModule],
  controllers: [AuditController, EventStreamController],
  providers: [Notary, Verifier],
  exports: [Notary, Verifier],
})
export class AuditModule {}
