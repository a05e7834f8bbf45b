import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ServiceLifecycle } from './service-lifecycle';

/** Shares boot's ServiceLifecycle with the app (readiness turns 503 once shutdown starts). */
@Global()
@Module({})
export class LifecycleModule {
  static forRoot(lifecycle: ServiceLifecycle): DynamicModule {
    return {
      module: LifecycleModule,
      providers: [{ provide: ServiceLifecycle, useValue: lifecycle }],
      exports: [ServiceLifecycle],
    };
  }
}
