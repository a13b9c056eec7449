import { useState } from 'preact/hooks';
import type { Sample } from '../../../common/api/v1.js';
import { curlCommand } from '../format/curl.js';
import { count } from '../format/numbers.js';
import { CopyButton } from './copy-button.js';

/** Body characters shown before "show all". */
const BODY_PREVIEW = 4096;

/** The sampled request: method and URL, headers, body and a curl command that replays it. */
export function HttpContext({ http }: { http: Sample['http'] | undefined }) {
  const [fullBody, setFullBody] = useState(false);
  if (http === null || http === undefined) return <p class="muted">No HTTP request recorded with this sample.</p>;
  const method = typeof http.method === 'string' ? http.method : '';
  const url = typeof http.url === 'string' ? http.url : '';
  const body = typeof http.body === 'string' ? http.body : '';
  const headers = http.headers !== null && typeof http.headers === 'object' ? Object.entries(http.headers) : [];
  const curl = curlCommand({ method, url, headers: Object.fromEntries(headers.map(([k, v]) => [k, String(v)])), body });
  return (
    <div class="http" data-testid="http-context">
      <p class="request-line">
        <span class="method">{method === '' ? '(no method)' : method}</span> <span class="url">{url === '' ? '(no URL)' : url}</span>
      </p>
      {headers.length > 0 ? (
        <table class="kv">
          <tbody>
            {headers.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{String(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted small">No headers.</p>
      )}
      {body !== '' && (
        <div>
          <h4>Body</h4>
          <pre class="body">{fullBody ? body : body.slice(0, BODY_PREVIEW)}</pre>
          {body.length > BODY_PREVIEW && (
            <button type="button" class="link-button" onClick={() => setFullBody(!fullBody)}>
              {fullBody ? 'Show less' : `Show all ${count(body.length)} characters`}
            </button>
          )}
        </div>
      )}
      <div class="curl">
        <h4>
          Replay with curl <CopyButton text={curl} label="Copy curl" />
        </h4>
        <pre data-testid="curl">{curl}</pre>
      </div>
    </div>
  );
}
