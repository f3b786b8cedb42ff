import { DynamicModule, Module } from '@nestjs/common';
import { coreImports } from '../app.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/config';
import { ReadModelsModule } from '../read-models/read-models.module';

/** The service's own modules without HTTP or background work: what the CLI runs (replay, verify, users). */
@Module({})
export class CliModule {
  static register(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: [...coreImports(config), AuthModule, ReadModelsModule, AuditModule] };
  }
}
