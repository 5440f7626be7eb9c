// templates.js: the guestbook's pages. html`…` escapes every value it
// interpolates unless the value is itself html`…` — so text from users can
// never become markup.

class Safe {
  constructor(s) { this.s = s; }
  toString() { return this.s; }
}

function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => { out += piece(v) + strings[i + 1]; });
  return new Safe(out);
}

function piece(v) {
  if (v instanceof Safe) return v.s;
  if (Array.isArray(v)) return v.map(piece).join("");
  return escapeHTML(v == null || v === false ? "" : String(v));
}

function layout(base, title, session, body) {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title} · guestbook</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}
.error{color:#b00}.entry{border-top:1px solid #ddd;padding:.5em 0}.meta{color:#777;font-size:.85em}
label{display:block;margin:.5em 0}textarea{width:100%;height:5em}</style></head>
<body>
<header><a href="${base}/">Guestbook</a> ·
${session && session.name
    ? html`signed in as <strong>${session.name}</strong>
<form method="post" action="${base}/logout" style="display:inline"><input type="hidden" name="csrf" value="${session.csrf}"><button>Sign out</button></form>`
    : html`<a href="${base}/login">Sign in</a> · <a href="${base}/register">Register</a>`}
</header>
<main><h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

function errors(list) {
  return list.length ? html`<ul class="error">${list.map((e) => html`<li>${e}</li>`)}</ul>` : "";
}

function index(base, session, entries, form) {
  const post = session && session.name
    ? html`<form method="post" action="${base}/entries">
<input type="hidden" name="csrf" value="${session.csrf}">
${errors(form.errors)}
<label>Your message <textarea name="body" maxlength="500">${form.body}</textarea></label>
<button>Sign the guestbook</button>
</form>`
    : html`<p><a href="${base}/login">Sign in</a> to write in the guestbook.</p>`;
  const list = entries.length
    ? entries.map((e) => html`<div class="entry"><p>${e.body}</p><p class="meta">${e.author} · ${e.created_at}</p></div>`)
    : html`<p>No entries yet.</p>`;
  return layout(base, "Guestbook", session, html`${post}\n${list}`);
}

function account(base, session, kind, form) {
  const title = kind === "register" ? "Register" : "Sign in";
  return layout(base, title, session, html`<form method="post" action="${base}/${kind}">
<input type="hidden" name="csrf" value="${session.csrf}">
${errors(form.errors)}
<label>Name <input name="name" value="${form.name}" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="${kind === "register" ? "new-password" : "current-password"}"></label>
<button>${title}</button>
</form>`);
}

function message(base, session, title, text) {
  return layout(base, title, session, html`<p>${text}</p><p><a href="${base}/">Back to the guestbook</a></p>`);
}

module.exports = { index, account, message };
