/**
 * The newsroom's defaults, prefilled in the publishing form (and editable there). A desk constant rather than a
 * server setting: it changes as rarely as the masthead itself; edit it here and run `npm run build`.
 */
export const NEWSROOM = {
  copyrightNotice: {
    holder: 'Masthead Newsroom',
    text: 'All rights reserved. No part of this article may be reproduced without written permission.',
    usageTerms: '',
  },
};
