/** Times in the user's own time zone, named, as the desk shows every time. */
export const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const when = (iso: string | null | undefined) => (iso ? fmt.format(new Date(iso)) : '');
