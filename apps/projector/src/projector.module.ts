import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '@tollgate/event-store';
import type { AnyProjection, ProjectionLog } from '@tollgate/projections';
import { startProjector, type Projector } from './projector';

export const PROJECTOR_OPTIONS = Symbol('PROJECTOR_OPTIONS');

export interface ProjectorModuleOptions {
  pool: Pool;
  store?: EventStore;
  projections?: readonly AnyProjection[];
  /** Where the runner reports (default: the console). */
  log?: ProjectionLog;
}

/** Runs the projector inside a Nest application: starts on module init, stops at a checkpoint on destroy. */
@Injectable()
export class ProjectorService implements OnModuleInit, OnModuleDestroy {
  private projector: Projector | undefined;

  constructor(@Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorModuleOptions) {}

  async onModuleInit(): Promise<void> {
    this.projector = await startProjector(this.options);
  }

  async onModuleDestroy(): Promise<void> {
    await this.projector?.stop();
    this.projector = undefined;
  }

  /** Projections this instance currently leads (for readiness and metrics). */
  leading(): string[] {
    return this.projector?.runner.leading() ?? [];
  }

  failed(): string[] {
    return this.projector?.runner.failedProjections() ?? [];
  }
}

@Module({})
export class ProjectorModule {
  static forRoot(options: ProjectorModuleOptions): DynamicModule {
    return {
      module: ProjectorModule,
      providers: [{ provide: PROJECTOR_OPTIONS, useValue: options }, ProjectorService],
      exports: [ProjectorService],
    };
  }
}
