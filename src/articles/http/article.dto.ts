import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { saysSomething } from '../domain/article.decide';
import type { CorrectionKind } from '../domain/article';
import { IsTime } from '../../common/validation';

const BLOCK_TYPES = ['paragraph', 'heading', 'quote'] as const;
const CORRECTION_KINDS: CorrectionKind[] = ['correction', 'clarification', 'update', 'editors-note'];
// BCP 47 language tag (shape only): zh-Hant, vi, th, en-GB, sr-Latn-RS...
const BCP47 = /^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?(-([A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*$/;
const TEXT = 20_000;
const SHORT = 1_000;
/** A note for readers must say something: a letter or a digit in any script, not blank nor punctuation only. */
function SaysSomething(): PropertyDecorator {
  return ValidateBy({
    name: 'saysSomething',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && saysSomething(value),
      defaultMessage: (args) => `${args?.property ?? 'the note'} must say something: at least one letter or digit, not blank or punctuation only`,
    },
  });
}

/**
 * A photo link is published to every reader: a user name or password in it (`https://user:pw@host/...`) would hand the
 * photo desk's credentials to the world. Read as browsers read it (WHATWG URL), which is what the page and ninjs render.
 */
function HasNoCredentials(): PropertyDecorator {
  return ValidateBy({
    name: 'hasNoCredentials',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || !URL.canParse(value)) return true; // IsUrl answers for those
        const url = new URL(value);
        return url.username === '' && url.password === '';
      },
      defaultMessage: (args) => `${args?.property ?? 'the link'} must not carry a user name or password`,
    },
  });
}

const present = (field: string) => (o: Record<string, unknown>) => o[field] !== undefined;

export class BlockDto {
  @ApiProperty({ enum: BLOCK_TYPES })
  @IsIn(BLOCK_TYPES)
  type: (typeof BLOCK_TYPES)[number];

  @ApiProperty()
  @IsString()
  @MaxLength(TEXT)
  text: string;
}

export class DraftArticleDto {
  @ApiProperty({ example: '2025中國—東盟人工智能部長圓桌會議在南寧召開' })
  @IsString()
  @MaxLength(SHORT)
  headline: string;

  @ApiProperty({ type: [BlockDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  @Type(() => BlockDto)
  body: BlockDto[];

  @ApiProperty({ example: 'zh-Hant', description: 'BCP 47 language tag' })
  @IsString()
  @Matches(BCP47, { message: 'language must be a BCP 47 tag such as zh-Hant, vi or en-GB' })
  language: string;

  @ApiPropertyOptional({ example: '廣西雲-廣西日報', description: 'syndication source (來源)' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  source?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  summary?: string | null;
}

export class ReviseArticleDto {
  @ApiPropertyOptional()
  @ValidateIf(present('headline'))
  @IsString()
  @MaxLength(SHORT)
  headline?: string;

  @ApiPropertyOptional({ type: [BlockDto] })
  @ValidateIf(present('body'))
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  @Type(() => BlockDto)
  body?: BlockDto[];

  @ApiPropertyOptional()
  @ValidateIf(present('language'))
  @IsString()
  @Matches(BCP47, { message: 'language must be a BCP 47 tag such as zh-Hant, vi or en-GB' })
  language?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  source?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  summary?: string | null;
}

export class AddBylineDto {
  @ApiProperty({ example: '許丹婷' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(SHORT)
  name: string;

  @ApiPropertyOptional({ example: 'reporter' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  role?: string | null;

  @ApiPropertyOptional({ example: '廣西雲-廣西日報' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  organisation?: string | null;
}

export class PhotoCreditDto {
  @ApiProperty({ example: '徐天保', description: 'IPTC Creator' })
  @IsString()
  @MaxLength(SHORT)
  photographer: string;

  @ApiPropertyOptional({ example: '廣西雲-廣西日報' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  organisation?: string | null;

  @ApiPropertyOptional({ example: '廣西雲-廣西日報記者徐天保/攝', description: 'IPTC Credit Line, as printed' })
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  line?: string | null;
}

export class AttachPhotoDto {
  @ApiProperty({ example: 'https://photos.example.org/roundtable.jpg' })
  @IsString()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'href must be an http(s) URL' })
  @HasNoCredentials()
  @MaxLength(2000)
  href: string;

  @ApiProperty()
  @IsString()
  @MaxLength(TEXT)
  caption: string;

  @ApiProperty({ type: PhotoCreditDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PhotoCreditDto)
  credit: PhotoCreditDto;
}

export class ApproveDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  note?: string | null;
}

export class CopyrightNoticeDto {
  @ApiProperty({ example: '國廣國際在線網絡(北京)有限公司' })
  @IsString()
  @MaxLength(SHORT)
  holder: string;

  @ApiProperty()
  @IsString()
  @MaxLength(TEXT)
  text: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  usageTerms?: string | null;
}

export class PublishDto {
  @ApiProperty({ type: CopyrightNoticeDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CopyrightNoticeDto)
  copyrightNotice: CopyrightNoticeDto;

  @ApiPropertyOptional({ description: 'RFC 3339 time; in the future, the article is scheduled' })
  @IsOptional()
  @IsTime()
  publishAt?: string | null;

  @ApiPropertyOptional({ description: 'RFC 3339 time in the future: partners receive the story now, readers from this time' })
  @IsOptional()
  @IsTime()
  embargoUntil?: string | null;
}

export class CorrectDto {
  @ApiProperty({ enum: CORRECTION_KINDS })
  @IsIn(CORRECTION_KINDS)
  kind: CorrectionKind;

  @ApiProperty({ example: 'Correction: an earlier version misspelled the minister’s name.' })
  @IsString()
  @MaxLength(TEXT)
  @SaysSomething()
  note: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(SHORT)
  headline?: string | null;

  @ApiPropertyOptional({ type: [BlockDto] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  @Type(() => BlockDto)
  body?: BlockDto[] | null;
}

export class RejectCorrectionDto {
  @ApiPropertyOptional({ description: 'why the proposal is dropped (shown in the audit trail, not to readers)' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  reason?: string | null;
}

export class WithdrawDto {
  @ApiProperty()
  @IsString()
  @MaxLength(TEXT)
  reason: string;
}
