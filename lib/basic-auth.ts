/**
 * Moves the credentials of `url` (`http://user:password@host/`) into the value of an
 * `Authorization: Basic` header, since `fetch` refuses URLs with credentials: clears
 * `url.username` and `url.password` (the URL is changed in place) and returns
 * `'Basic <base64 of user:password>'`, percent-decoding both parts; `undefined` when the
 * URL has none.
 */
export function takeBasicCredentials(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const credentials = `${decode(url.username)}:${decode(url.password)}`;
  url.username = '';
  url.password = '';
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
