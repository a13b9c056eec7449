import type { Sample } from '../../../common/api/v1.js';
import { StackTrace } from './stack-trace.js';

type Detail = Sample['chain'][number];

/** The error and every cause below it ("Caused by"), each with its class, message and stack trace. */
export function ErrorChain({ chain }: { chain: readonly Detail[] | null | undefined }) {
  const list = Array.isArray(chain) ? chain : [];
  if (list.length === 0) return <p class="muted">This sample carries no error details.</p>;
  return (
    <ol class="chain" data-testid="cause-chain">
      {list.map((d, i) => (
        <li key={i} class="chain-item">
          <div class="chain-head">
            {i > 0 && <span class="caused-by">Caused by </span>}
            <span class="err-class">{d?.class !== undefined && d.class !== '' ? d.class : '(no class)'}</span>
          </div>
          {typeof d?.message === 'string' && d.message !== '' ? <pre class="message">{d.message}</pre> : <p class="muted small">No message.</p>}
          <StackTrace lines={d?.stacktrace} />
        </li>
      ))}
    </ol>
  );
}
