import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, ValidateIf, ValidateNested } from 'class-validator';

/** A NATS subject partners can be given: dot-separated tokens, no wildcards, no spaces. */
export const NATS_SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export class DestinationDto {
  @ApiProperty({ enum: ['webhook', 'nats'] })
  @IsIn(['webhook', 'nats'])
  kind: 'webhook' | 'nats';

  @ApiPropertyOptional({ description: 'webhook: the http(s) URL the service POSTs to', example: 'https://partner.example/masthead' })
  @ValidateIf((d: DestinationDto) => d.kind === 'webhook')
  @IsDefined({ message: 'destination.url is required for a webhook' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'url must be an http(s) URL' })
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ description: 'nats: the JetStream subject published to', example: 'partners.acme.news' })
  @ValidateIf((d: DestinationDto) => d.kind === 'nats')
  @IsDefined({ message: 'destination.subject is required for NATS' })
  @IsString()
  @Matches(NATS_SUBJECT, { message: 'subject must be dot-separated tokens of letters, digits, - and _ (no wildcards)' })
  @MaxLength(200)
  subject?: string;
}

export class CreateSubscriberDto {
  @ApiProperty({ example: 'Acme Syndication' })
  @IsDefined()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ type: DestinationDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DestinationDto)
  destination: DestinationDto;

  @ApiPropertyOptional({ enum: ['continue', 'stop'], description: 'after a parked delivery: go on with other articles (default) or stop' })
  @IsOptional()
  @IsIn(['continue', 'stop'])
  onFailure?: 'continue' | 'stop';

  @ApiPropertyOptional({ description: 'failed attempts before a delivery is parked (default NEWSROOM_DISTRIBUTION_MAX_ATTEMPTS)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  maxAttempts?: number;

  @ApiPropertyOptional({ enum: ['now', 'beginning'], description: 'deliver only what comes next (default), or the whole backlog first' })
  @IsOptional()
  @IsIn(['now', 'beginning'])
  from?: 'now' | 'beginning';
}

export class RedeliveryDto {
  @ApiProperty({ description: 'the global log position to deliver again from (0: the beginning)' })
  @IsDefined()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  fromPosition: number;
}

export class DeliveriesQuery {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'parked'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'parked'])
  status?: 'pending' | 'delivered' | 'parked';

  @ApiPropertyOptional({ description: 'only deliveries of events after this log position (paging)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ description: '1 to 1000, default 100' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
