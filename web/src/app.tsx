import { useEffect } from 'preact/hooks';
import { CreatePage } from './pages/CreatePage';
import { NetworkPage } from './pages/NetworkPage';
import { NetworksPage } from './pages/NetworksPage';
import { Link, useLocation } from './router';

export function App() {
  const loc = useLocation();
  const m = /^\/networks\/([^/]+)\/?$/.exec(loc.path);
  let page = <NotFound />;
  let title = 'Not found';
  if (loc.path === '/' || loc.path === '') {
    page = <NetworksPage />;
    title = 'Networks';
  } else if (loc.path === '/create' || loc.path === '/create/') {
    page = <CreatePage />;
    title = 'Create a network';
  } else if (m) {
    const name = decodeURIComponent(m[1]!);
    page = <NetworkPage key={name} name={name} tab={loc.query.get('tab') ?? 'overview'} />;
    title = name;
  }
  useEffect(() => {
    document.title = `${title} · virtnet`;
  }, [title]);
  return (
    <>
      <header class="topbar">
        <Link href="/" class="brand" aria-label="virtnet: all networks">
          virtnet
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={loc.path === '/' ? 'page' : undefined}>
            Networks
          </Link>
          <Link href="/create" aria-current={loc.path.startsWith('/create') ? 'page' : undefined}>
            Create
          </Link>
        </nav>
      </header>
      <main id="main">{page}</main>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page here. <Link href="/">Go to the networks</Link>.
      </p>
    </section>
  );
}
