import { useEffect, useState } from 'preact/hooks';
import { currentAdminToken, setAdminToken } from '../api/admin-token.js';
import { api, type ApiError, toApiError } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { ErrorBanner, Loaded } from '../components/load-state.js';
import { When } from '../components/now.js';
import { SeriesChart } from '../components/series-chart.js';
import { SeverityBadge, StatusBadge } from '../components/severity.js';
import { TokenPrompt } from '../components/token-prompt.js';
import { count } from '../format/numbers.js';
import { overviewHash, serviceHash } from '../routing/routes.js';
import { headline } from './error-table.js';
import { SampleNavigator } from './sample-navigator.js';
import { SourceBreakdown } from './source-breakdown.js';
import { hasTags, TagTable } from './tag-breakdown.js';

/**
 * `#/{service}/errors/{key}`: one error group: key, severity, status, total, first and last seen,
 * its time series, where it came from, its samples; resolve and unresolve (asking for the admin token
 * when the hub wants one). Updated live when the group changes.
 */
export function ErrorView({ service, errorKey }: { service: string; errorKey: string }) {
  const group = useResource((signal) => api.error(service, errorKey, signal), [service, errorKey], {
    liveMatch: (m) => m.type === 'groups' && m.service === service && (m.truncated || m.keys.includes(errorKey)),
  });
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<{ error: ApiError; resolve: boolean } | undefined>(undefined);
  const [prompt, setPrompt] = useState<{ resolve: boolean; rejected: boolean } | null>(null);

  useEffect(() => {
    document.title = `${errorKey} · ${service} · Crowsnest`;
  }, [service, errorKey]);

  const act = async (resolve: boolean): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    try {
      await api.setResolved(service, errorKey, resolve);
      setPrompt(null);
      group.reload();
    } catch (err) {
      const e = toApiError(err);
      if (e.status === 401) {
        const hadToken = currentAdminToken() !== null;
        setAdminToken(null);
        setPrompt({ resolve, rejected: hadToken });
      } else {
        setPrompt(null);
        setActionError({ error: e, resolve });
      }
    } finally {
      setBusy(false);
    }
  };

  const crumbs = (
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href={overviewHash()}>Services</a> / <a href={serviceHash(service)}>{service}</a> /
    </nav>
  );

  if (group.error?.status === 404 && group.data === undefined) {
    return (
      <section>
        <header class="page-head">{crumbs}</header>
        <div class="banner">
          <p>
            No error with this key in <strong>{service}</strong> (it may be in another service, or the hub may not have received it yet):
          </p>
          <pre class="key">{errorKey}</pre>
          <p>
            <a href={serviceHash(service, { q: errorKey, status: 'all' })}>Search {service} for it</a>
          </p>
        </div>
      </section>
    );
  }

  return (
    <section>
      <header class="page-head">{crumbs}</header>
      <Loaded data={group.data} error={group.error} what="this error">
        {(g) => {
          const text = headline(g);
          return (
            <>
              <div class="error-head">
                <div class="error-title">
                  <h1 class="key" data-testid="error-key">
                    {g.key}
                  </h1>
                  <div class="badges">
                    <SeverityBadge severity={g.severity} /> <StatusBadge status={g.status} />
                  </div>
                  {text !== '' && <p class="headline-big">{text}</p>}
                </div>
                <div class="actions">
                  {g.status === 'resolved' ? (
                    <button type="button" disabled={busy} onClick={() => void act(false)}>
                      Unresolve
                    </button>
                  ) : (
                    <button type="button" class="primary" disabled={busy} onClick={() => void act(true)} title="Hide it until it happens again">
                      Resolve
                    </button>
                  )}
                </div>
              </div>
              {actionError !== undefined && <ErrorBanner error={actionError.error} what="the change" action={actionError.resolve ? 'Could not resolve this error' : 'Could not unresolve this error'} />}
              <dl class="facts">
                <div>
                  <dt>Total</dt>
                  <dd data-testid="error-total">{count(g.total_count)}</dd>
                </div>
                <div>
                  <dt>First seen</dt>
                  <dd>
                    <When iso={g.created_at} />
                  </dd>
                </div>
                <div>
                  <dt>Last seen</dt>
                  <dd>
                    <When iso={g.last_seen} />
                  </dd>
                </div>
                {typeof g.first_release === 'string' && (
                  <div>
                    <dt>First seen in release</dt>
                    <dd data-testid="first-release">{g.first_release}</dd>
                  </div>
                )}
                {g.resolved_at !== null && g.status === 'resolved' && (
                  <div>
                    <dt>Resolved</dt>
                    <dd>
                      <When iso={g.resolved_at} />
                    </dd>
                  </div>
                )}
                {g.regressed_at !== null && g.status === 'regressed' && (
                  <div>
                    <dt>Regressed</dt>
                    <dd>
                      <When iso={g.regressed_at} />
                    </dd>
                  </div>
                )}
              </dl>
              <h2>Occurrences</h2>
              <SeriesChart series={g.series} label="Occurrences" />
              <h2>Where it comes from</h2>
              <SourceBreakdown sources={g.sources} />
              {hasTags(g.environments) && (
                <>
                  <h2>Environments</h2>
                  <TagTable breakdown={g.environments} what="Environment" testId="environments-breakdown" />
                </>
              )}
              {hasTags(g.releases) && (
                <>
                  <h2>Releases</h2>
                  <TagTable breakdown={g.releases} what="Release" testId="releases-breakdown" />
                </>
              )}
              <h2>Samples</h2>
              <SampleNavigator samples={g.samples} evicted={g.samples_evicted} />
            </>
          );
        }}
      </Loaded>
      {prompt !== null && (
        <TokenPrompt
          rejected={prompt.rejected}
          onCancel={() => setPrompt(null)}
          onSubmit={(token) => {
            setAdminToken(token);
            void act(prompt.resolve);
          }}
        />
      )}
    </section>
  );
}
