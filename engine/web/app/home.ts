/** The engine's front page: where the workspace, dashboard, admin and customer pages are. */
import { html, mount } from './ui.js';

function Home() {
  return html`<main class="home">
    <h1>Switchboard</h1>
    <ul>
      <li><a href="/ui/workspace">Agent workspace</a> — answer customers</li>
      <li><a href="/ui/dashboard">Supervisor dashboard</a> — queues and agents live, interval reports</li>
      <li><a href="/ui/admin">Administration</a> — routing configuration, agents, standard responses</li>
      <li><a href="/ui/customer">Customer page</a> — chat as a customer on the web channel</li>
    </ul>
  </main>`;
}

void mount(Home);
