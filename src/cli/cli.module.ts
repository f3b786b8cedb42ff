import { DynamicModule, Module } from '@nestjs/common';
import { CORE_PROVIDERS, coreImports } from '../app.module';
import { Verifier } from '../audit/verifier.service';
import { AppConfig } from '../config/config';
import { ProjectionRebuilder } from '../projections/projection-rebuilder.service';

/** The service's own providers without HTTP: what the CLI runs. */
@Module({})
export class CliModule {
  static register(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: coreImports(config), providers: [...CORE_PROVIDERS, ProjectionRebuilder, Verifier] };
  }
}
