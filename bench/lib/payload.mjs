// The event every append benchmark writes: one realistic article event (a revision of the seed article's summary
// and first paragraphs) with the metadata the service stores with every event. ~1 KB as JSON.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './common.mjs';

export const seed = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'seed-article.json'), 'utf8'));

export const EVENT_TYPE = 'DraftRevised';

export const eventData = {
  changes: {
    summary: seed.draft.body[0].text,
    body: seed.draft.body.slice(0, 2),
  },
};

export const eventMetadata = {
  actorId: '6f1c2c38-5d0e-4a53-9b8e-2f8f7f1f0a11',
  username: 'bench-reporter',
  roles: ['reporter'],
  correlationId: 'bench-correlation-0000000000000000',
  causationId: 'bench-causation-00000000000000000',
};
