/** The administration pages: being built (see the README's People section). */
import { html, mount } from './ui.js';

function Page() {
  return html`<main class="home">
    <h1>Administration</h1>
    <p>This page is not built yet. The <a href="/ui/workspace">agent workspace</a> and the
      <a href="/ui/customer">customer page</a> are.</p>
  </main>`;
}

void mount(Page);
