import { DynamicModule, Module } from '@nestjs/common';
import { CORE_PROVIDERS, coreImports } from '../app.module';
import { AppConfig } from '../config/config';

/** The service's own providers without HTTP: what the CLI runs. */
@Module({})
export class CliModule {
  static register(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: coreImports(config), providers: [...CORE_PROVIDERS] };
  }
}
