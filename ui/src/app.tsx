import { useEffect, useState } from 'preact/hooks';
import { live } from './api/live.js';
import { installShortcuts } from './components/keyboard.js';
import { LiveIndicator } from './components/live-indicator.js';
import { NowProvider } from './components/now.js';
import { fleetHash, formatHash, overviewHash, type Route } from './routing/routes.js';
import { navigate, useRoute } from './routing/use-route.js';
import { AlertsView } from './views/alerts.js';
import { ErrorView } from './views/error.js';
import { FleetView } from './views/fleet.js';
import { OverviewView } from './views/overview.js';
import { SearchView } from './views/search.js';
import { ServiceView } from './views/service.js';

/** The search box in the header: searches every service's errors (Enter). */
function GlobalSearch({ route }: { route: Route }) {
  const current = route.view === 'search' ? route.q : '';
  const [text, setText] = useState(current);
  useEffect(() => setText(current), [current]);
  return (
    <form
      class="global-search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        navigate({ view: 'search', q: text.trim() });
      }}
    >
      <input
        type="search"
        name="global-q"
        placeholder="Search all services…"
        aria-label="Search the errors of every service"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        {...(route.view === 'service' || route.view === 'fleet' || route.view === 'overview' ? {} : { 'data-search-focus': '' })}
      />
    </form>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <OverviewView list={route.list} />;
    case 'fleet':
      return <FleetView fleet={route.fleet} />;
    case 'alerts':
      return <AlertsView />;
    case 'search':
      return <SearchView q={route.q} />;
    case 'service':
      return <ServiceView key={route.service} service={route.service} filters={route.filters} />;
    case 'error':
      return <ErrorView key={`${route.service}\u0000${route.key}`} service={route.service} errorKey={route.key} />;
    case 'not-found':
      return (
        <section>
          <h1>Nothing here</h1>
          <p>
            This address does not name a view. <a href={overviewHash()}>All services</a>
          </p>
        </section>
      );
  }
}

const NAV: { label: string; href: string; active: (r: Route) => boolean }[] = [
  { label: 'Services', href: overviewHash(), active: (r) => r.view === 'overview' || r.view === 'service' || r.view === 'error' },
  { label: 'Fleet', href: fleetHash(), active: (r) => r.view === 'fleet' },
  { label: 'Alerts', href: formatHash({ view: 'alerts' }), active: (r) => r.view === 'alerts' },
];

/** The whole UI: header (navigation, global search, live indicator) and the view the hash names. */
export function App() {
  const route = useRoute();
  useEffect(() => {
    live.start();
    return installShortcuts();
  }, []);
  useEffect(() => {
    if (route.view === 'overview') document.title = 'Crowsnest';
    window.scrollTo(0, 0);
  }, [formatHash(route).split('?')[0]]);
  return (
    <NowProvider>
      <header class="top">
        <a class="brand" href={overviewHash()}>
          Crowsnest
        </a>
        <nav class="main-nav" aria-label="Main">
          {NAV.map((n) => (
            <a key={n.label} href={n.href} aria-current={n.active(route) ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <GlobalSearch route={route} />
        <LiveIndicator />
      </header>
      <main>
        <Page route={route} />
      </main>
    </NowProvider>
  );
}
