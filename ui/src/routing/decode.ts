/**
 * Decodes a percent-encoded route segment without ever throwing. Links made by this UI (and by
 * Periskop's) encode with encodeURIComponent, so one decodeURIComponent restores the text exactly.
 * Hand-written links may carry a stray `%` ("100% full"): then each valid UTF-8 escape is decoded and
 * everything else is kept as written.
 * Example: lenientDecode('a%2Fb%20c') === 'a/b c'; lenientDecode('100%') === '100%'.
 */
export function lenientDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => decodeRun(run));
  }
}

/** A run of escapes, decoded as far as it is valid UTF-8, byte sequence by byte sequence. */
function decodeRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    let out = '';
    for (let i = 0; i < run.length; i += 3) {
      const escape = run.slice(i, i + 3);
      try {
        out += decodeURIComponent(escape);
      } catch {
        out += escape;
      }
    }
    return out;
  }
}
