import { Module } from '@nestjs/common';
import { Clock } from './clock';

/** The one clock every feature reads (tests move it). */
@Module({ providers: [Clock], exports: [Clock] })
export class CommonModule {}
