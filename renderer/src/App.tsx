import { isDesktop } from './desktop.ts';

/** The admin console shell. Its pages (dashboard, users, rooms, logs, settings) arrive with the admin UI issue. */
export function App() {
  return (
    <main>
      <h1>Hearth</h1>
      <p>Admin console for a Hearth Matrix homeserver.</p>
      <p>{isDesktop() ? 'Running in the Hearth desktop app.' : 'Running in a browser.'}</p>
    </main>
  );
}
