// The cityledger web page: plain JavaScript over this server's GraphQL API, nothing else.
"use strict";

const TOKEN_KEY = "cityledger.token";
const BANDS = ["top 10%", "10%-30%", "30%-60%", "60%-100%"];
const ZH_BANDS = { "top 10%": "前10%", "10%-30%": "10%-30%", "30%-60%": "30%-60%", "60%-100%": "60%-100%" };
const TABLES = [
  ["TOTAL", "total", "Total"],
  ["DIGITAL_TRADITIONAL", "digital_traditional", "Digital & traditional"],
  ["INSTITUTIONAL", "institutional", "Institutional"],
];
const PILLARS_OF = { total: null, digital_traditional: ["digital", "traditional"], institutional: ["institutional"] };
const SVG_NS = "http://www.w3.org/2000/svg";

const app = { viewer: { role: null }, editions: [], head: 0, queries: new Map(), frameworks: null };

// ---------- small helpers ----------

class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
}

async function gql(query, variables) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch("/graphql", {
    method: "POST",
    headers: headers,
    body: JSON.stringify({ query: query, variables: variables || {} }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) throw new ApiError(body.errors);
  return body.data;
}

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

function showError(error) {
  setStatus("");
  const view = document.getElementById("view");
  view.prepend(h("p", { class: "error", role: "alert" }, String(error.message || error)));
}

function seesScores() {
  return app.viewer.role === "editor" || app.viewer.role === "auditor";
}

function has(query, arg) {
  const args = app.queries.get(query);
  return args !== undefined && (arg === undefined || args.has(arg));
}

function bandLabel(band, lang) {
  return lang === "zh" ? ZH_BANDS[band] || band : band;
}

function cityName(row, lang) {
  return lang === "zh" ? row.nameZh : row.nameEn;
}

function route() {
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path, search] = raw.split("?");
  return { parts: path.split("/").filter(Boolean), params: new URLSearchParams(search || "") };
}

function go(path, params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  window.location.hash = path + (text ? "?" + text : "");
}

function tableEnum(name) {
  const found = TABLES.find((t) => t[1] === name || t[0] === name);
  return found ? found[0] : "TOTAL";
}

function tableName(enumName) {
  const found = TABLES.find((t) => t[0] === enumName || t[1] === enumName);
  return found ? found[1] : "total";
}

// ---------- exact fractions (BigInt), for points × weights ----------

function gcd(a, b) {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

function frac(text) {
  const [n, d] = String(text).split("/");
  return norm(BigInt(n), BigInt(d || "1"));
}

function norm(n, d) {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

function fmul(a, b) {
  return norm(a.n * b.n, a.d * b.d);
}

function fadd(a, b) {
  return norm(a.n * b.d + b.n * a.d, a.d * b.d);
}

function ftext(f) {
  return f.d === 1n ? f.n.toString() : f.n + "/" + f.d;
}

// Rounded half-even to `places` digits, as the API's Exact.decimal does.
function fdecimal(f, places) {
  const scale = 10n ** BigInt(places);
  const num = f.n * scale;
  let q = num / f.d;
  let r = num % f.d;
  if (r < 0n) {
    q -= 1n;
    r += f.d;
  }
  if (2n * r > f.d || (2n * r === f.d && q % 2n !== 0n)) q += 1n;
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString().padStart(places + 1, "0");
  const whole = digits.slice(0, digits.length - places);
  return (negative ? "-" : "") + (places ? whole + "." + digits.slice(-places) : whole);
}

function scoreNode(exact, label) {
  return h(
    "span",
    { class: "score", title: "exact: " + exact.fraction, tabindex: "0", "aria-label": (label || "score") + " " + exact.decimal + ", exactly " + exact.fraction },
    exact.decimal,
  );
}

// ---------- report order ----------

function pinyinKey(row) {
  const toned = (row.city && row.city.pinyin) || "";
  return [toned.replace(/[0-9]/g, ""), toned, row.nameZh, row.cityId];
}

function compareKeys(a, b) {
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

function reportOrder(rows, lang) {
  const key = lang === "zh" ? pinyinKey : (r) => [r.nameEn.toLowerCase(), r.cityId];
  return rows.slice().sort((a, b) => compareKeys(key(a), key(b)));
}

function twoColumns(members) {
  const half = Math.ceil(members.length / 2);
  const out = [];
  for (let i = 0; i < half; i++) out.push([members[i], members[half + i] || null]);
  return out;
}

// ---------- start-up, sign-in, navigation ----------

const START = `{
  viewer { role name cityId }
  position
  editions { editionId title year region frameworkId frameworkVersion weightSetId cityCount
    publications { publicationNo position time digest tables } }
  __schema { queryType { fields { name args { name } } } }
  appeal: __type(name: "Appeal") { fields { name } }
}`;

async function start() {
  const data = await gql(START);
  app.head = data.position;
  app.editions = data.editions;
  app.queries = new Map(data.__schema.queryType.fields.map((f) => [f.name, new Set(f.args.map((a) => a.name))]));
  app.appealFields = new Set(data.appeal ? data.appeal.fields.map((f) => f.name) : []);
  showViewer(data.viewer);
}

// Who the page asks as, shown in the header and on the body (the tests wait on data-role).
function showViewer(viewer) {
  app.viewer = viewer;
  const who = document.getElementById("who");
  who.textContent = viewer.role ? "signed in as " + viewer.name + " (" + viewer.role + ")" : "anonymous";
  document.getElementById("signout").hidden = !sessionStorage.getItem(TOKEN_KEY);
  document.body.dataset.role = viewer.role || "anonymous";
}

function setUpSignIn() {
  const form = document.getElementById("signin");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("token");
    const token = input.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    input.value = "";
    // Until the server says who the token is, ask as nobody in particular (never as the old role).
    showViewer({ role: null });
    try {
      await start();
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      await start();
      showError(new Error("sign-in refused: " + error.message));
      return;
    }
    await render();
  });
  document.getElementById("signout").addEventListener("click", async () => {
    sessionStorage.removeItem(TOKEN_KEY);
    // Anonymous at once: a view drawn before the server answers must not ask with the old role.
    showViewer({ role: null });
    await start();
    await render();
  });
}

async function render() {
  const view = document.getElementById("view");
  const { parts, params } = route();
  for (const link of document.querySelectorAll("[data-nav]")) {
    const current = (parts[0] || "table") === link.dataset.nav || (parts[0] === "city" && link.dataset.nav === "table");
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const focused = document.activeElement && view.contains(document.activeElement) ? document.activeElement.id : "";
  // Each render draws into its own pane: a later render (the reader moved on while this one
  // waited on the API) replaces the pane, so a slow earlier one never draws into the new view.
  const pane = h("div", { class: "pane" });
  view.replaceChildren(pane);
  setStatus("Loading…");
  const kind = parts[0] === "city" ? "city:" + parts[1] : parts[0] || "table";
  try {
    if (parts[0] === "city" && parts[1]) await renderCity(pane, decodeURIComponent(parts[1]), params);
    else if (parts[0] === "compare") await renderCompare(pane, params);
    else await renderTable(pane, params);
  } catch (error) {
    if (pane.isConnected) showError(error);
  }
  if (!pane.isConnected) return;
  // A new view takes the focus (keyboard and screen-reader users start at its top); a
  // changed option within the same view leaves the focus where it was.
  const again = focused && app.shown === kind ? document.getElementById(focused) : null;
  if (again) again.focus();
  else if (app.shown !== undefined && app.shown !== kind) document.getElementById("main").focus();
  app.shown = kind;
}

// ---------- the table view ----------

function editionById(id) {
  return app.editions.find((e) => e.editionId === id) || app.editions[0];
}

// ---------- a link's parameters ----------
// A parameter that names nothing here is refused, naming it and what it may be: a link that
// silently showed another edition, table or publication would mislead whoever followed it.

function linkError(name, value, expected) {
  return new Error("This link's " + name + " '" + value + "' is not " + expected + ".");
}

function editionParam(params, key, fallback) {
  const id = params.get(key);
  if (id === null || id === "") return editionById(fallback);
  const found = app.editions.find((e) => e.editionId === id);
  if (!found) throw linkError(key, id, "an edition of this ledger (" + app.editions.map((e) => e.editionId).join(", ") + ")");
  return found;
}

function tableParam(params) {
  const name = params.get("table");
  if (name === null || name === "") return "total";
  const found = TABLES.find((t) => t[0] === name || t[1] === name);
  if (!found) throw linkError("table", name, "a table (" + TABLES.map((t) => t[1]).join(", ") + ")");
  return found[1];
}

function choiceParam(params, key, choices) {
  const value = params.get(key);
  if (value === null || value === "") return choices[0];
  if (!choices.includes(value)) throw linkError(key, value, "one of " + choices.join(", "));
  return value;
}

function isPosition(value) {
  return /^[0-9]{1,15}$/.test(value);
}

function select(id, label, options, value, onchange) {
  const node = h(
    "select",
    { id: id, onchange: onchange },
    options.map(([v, text]) => h("option", { value: v, selected: String(v) === String(value) }, text)),
  );
  return h("label", { for: id }, label, node);
}

async function renderTable(view, params) {
  if (!app.editions.length) {
    view.append(h("p", {}, "The ledger holds no edition yet (run cityledger load-reference)."));
    setStatus("");
    return;
  }
  const edition = editionParam(params, "edition", (app.editions.find((e) => e.publications.length) || app.editions[0]).editionId);
  const table = tableParam(params);
  const lang = choiceParam(params, "lang", ["en", "zh"]);
  const pubs = edition.publications.filter((p) => p.tables.includes(table));
  const live = seesScores();
  const at = params.get("at");
  let pubNo = params.get("pub");
  if (at && !isPosition(at)) throw linkError("at", at, "a ledger position (a whole number from 0)");
  const pubNos = pubs.map((p) => String(p.publicationNo)).concat(live ? ["live"] : []);
  if (pubNo && !at && !pubNos.includes(pubNo)) {
    throw linkError("pub", pubNo, pubNos.length ? "a publication of this table (" + pubNos.join(", ") + ")" : "a publication: this table has none yet");
  }
  if (!pubNo && !at) pubNo = live ? "live" : pubs.length ? String(pubs[pubs.length - 1].publicationNo) : "";
  const state = { edition: edition.editionId, table: table, lang: lang, pub: at ? "" : pubNo, at: at || "" };
  const nav = (changes) => go("/", Object.assign({}, state, changes));

  const pubOptions = pubs
    .filter((p) => live || has("rankings", "publication") || p === pubs[pubs.length - 1])
    .map((p) => [String(p.publicationNo), "No. " + p.publicationNo + " · " + p.time.slice(0, 10) + " · position " + p.position]);
  if (live) pubOptions.push(["live", "Live (now, position " + app.head + ")"]);
  if (at) pubOptions.push(["", "As of position " + at]);

  view.append(
    h("h1", {}, edition.title),
    h(
      "form",
      { class: "controls", "aria-label": "Which table", onsubmit: (e) => e.preventDefault() },
      select("edition", "Edition", app.editions.map((e) => [e.editionId, e.title + " (" + e.editionId + ")"]), edition.editionId, (e) =>
        go("/", { edition: e.target.value, table: table, lang: lang }),
      ),
      select("table", "Table", TABLES.map((t) => [t[1], t[2]]), table, (e) => {
        // The publication chosen stays where it holds the other table too; else the latest.
        const other = e.target.value;
        const holds = state.pub === "live" || edition.publications.some((p) => String(p.publicationNo) === state.pub && p.tables.includes(other));
        nav({ table: other, pub: holds ? state.pub : "" });
      }),
      select("publication", "Publication", pubOptions, state.pub, (e) => nav({ pub: e.target.value, at: "" })),
      select("lang", "Names", [["en", "English, alphabetical"], ["zh", "中文, pinyin order"]], lang, (e) => nav({ lang: e.target.value })),
    ),
  );
  if (live) view.append(slider(state, pubs, nav));
  if (!live && !pubs.length) {
    view.append(h("p", { id: "cut" }, "This table of " + edition.editionId + " is not published yet; editors and auditors see it live."));
    setStatus("");
    document.body.dataset.ready = "table";
    return;
  }

  let variables = { e: edition.editionId, t: tableEnum(table) };
  let position = null;
  if (at) position = Number(at);
  else if (pubNo && pubNo !== "live") {
    const pub = pubs.find((p) => String(p.publicationNo) === pubNo);
    if (live && pub) position = pub.position;
    else if (has("rankings", "publication")) variables.p = Number(pubNo);
  }
  if (position !== null) variables.asOf = { position: position };
  const started = performance.now();
  const data = await gql(rankingQuery(live, variables), variables);
  const ranking = data.rankings;
  const shownPub = ranking.publicationNo || (pubNo && pubNo !== "live" ? Number(pubNo) : null);
  const pubShown = pubs.find((p) => p.publicationNo === shownPub);
  view.append(
    h(
      "p",
      { class: "cut", id: "cut" },
      (shownPub ? "Publication " + shownPub + " · " : at ? "As of " : "Live · ") + "ledger position " + ranking.position + (ranking.time ? " · " + ranking.time : ""),
      pubShown ? " · digest " + pubShown.digest : "",
    ),
    reportTable(ranking, lang, live, edition, table),
    downloads(edition.editionId, table, lang, live ? (position !== null ? { position: position } : null) : null, live ? null : shownPub),
  );
  view.append(editionsOverview());
  setStatus("Table shown in " + Math.round(performance.now() - started) + " ms.");
  document.body.dataset.ready = "table";
}

// Every edition and its publications, each a link to its table.
function editionsOverview() {
  const rows = [];
  for (const e of app.editions) {
    const pubs = e.publications.length ? e.publications : [null];
    pubs.forEach((p, i) =>
      rows.push(
        h(
          "tr",
          {},
          i === 0 ? h("th", { scope: "rowgroup", rowspan: String(pubs.length) }, e.title + " (" + e.editionId + ", " + e.cityCount + " cities)") : null,
          p ? h("td", {}, h("a", { href: "#/?edition=" + e.editionId + "&pub=" + p.publicationNo }, "No. " + p.publicationNo)) : h("td", {}, "not published"),
          h("td", {}, p ? p.time.slice(0, 16).replace("T", " ") : ""),
          h("td", { class: "num" }, p ? p.position : ""),
          h("td", {}, p ? p.tables.join(", ") : ""),
          h("td", { class: "digest" }, p ? p.digest.slice(0, 16) + "…" : ""),
        ),
      ),
    );
  }
  return h(
    "details",
    { id: "editions" },
    h("summary", {}, "Editions and their publications"),
    h(
      "table",
      { class: "data" },
      h("thead", {}, h("tr", {}, ["Edition", "Publication", "Published", "Position", "Tables", "Digest"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows),
    ),
  );
}

function rankingQuery(scores, variables) {
  const pubArg = variables.p !== undefined ? ", publication: $p" : "";
  const pubVar = variables.p !== undefined ? ", $p: Int" : "";
  const extra = scores ? " rank score { fraction decimal }" : "";
  return `query Table($e: String!, $t: RankingTableName!, $asOf: AsOf${pubVar}) {
    rankings(edition: $e, table: $t, asOf: $asOf${pubArg}) {
      editionId table position time publicationNo
      rows { cityId nameEn nameZh band city { pinyin }${extra} }
    }
  }`;
}

function reportTable(ranking, lang, scores, edition, table) {
  const caption = edition.title + " · " + table + " · " + (ranking.publicationNo ? "publication " + ranking.publicationNo : "position " + ranking.position);
  const node = h(
    "table",
    { class: "report", id: "ranking", "data-position": ranking.position },
    h("caption", { class: "sr-only" }, caption),
    h("thead", { class: "sr-only" }, h("tr", {}, h("th", { scope: "col" }, "Cities (left column)"), h("th", { scope: "col" }, "Cities (right column)"))),
  );
  for (const band of BANDS) {
    const members = reportOrder(ranking.rows.filter((r) => r.band === band), lang);
    const body = h("tbody", { "data-band": band });
    body.append(h("tr", {}, h("th", { class: "band", colspan: "2", scope: "rowgroup", id: "band-" + BANDS.indexOf(band) }, bandLabel(band, lang) + " (" + members.length + ")")));
    for (const pair of twoColumns(members)) {
      body.append(h("tr", {}, pair.map((r) => cityCell(r, lang, scores, edition, table))));
    }
    node.append(body);
  }
  return node;
}

function cityCell(row, lang, scores, edition, table) {
  if (!row) return h("td", {});
  const link = h("a", { href: "#/city/" + encodeURIComponent(row.cityId) + "?edition=" + edition.editionId + "&table=" + table }, cityName(row, lang));
  return h(
    "td",
    { "data-city": row.cityId, "data-band": row.band, headers: "band-" + BANDS.indexOf(row.band) },
    link,
    scores && row.rank ? h("span", { class: "rank" }, "#" + row.rank) : null,
    scores && row.score ? scoreNode(row.score) : null,
  );
}

function slider(state, pubs, nav) {
  const value = state.at ? Number(state.at) : state.pub && state.pub !== "live" ? (pubs.find((p) => String(p.publicationNo) === state.pub) || {}).position || app.head : app.head;
  const output = h("output", { for: "asof", id: "asof-label" }, "position " + value);
  const input = h("input", {
    type: "range",
    id: "asof",
    min: "1",
    max: String(app.head),
    step: "1",
    value: String(value),
    list: "publication-marks",
    "aria-describedby": "asof-help",
    oninput: (e) => (output.textContent = "position " + e.target.value),
    onchange: (e) => nav({ at: e.target.value, pub: "" }),
  });
  const marks = h("div", { class: "marks" });
  for (const p of pubs) {
    const left = ((p.position - 1) / Math.max(1, app.head - 1)) * 100;
    marks.append(h("button", { type: "button", "data-left": left.toFixed(2), onclick: () => nav({ pub: String(p.publicationNo), at: "" }), title: "publication " + p.publicationNo + " at position " + p.position }, "P" + p.publicationNo));
  }
  // Inline styles are not allowed by the page's policy: place the marks through the CSSOM.
  for (const b of marks.children) b.style.left = b.dataset.left + "%";
  return h(
    "div",
    { class: "slider" },
    h("label", { for: "asof" }, "Ledger position (as of): ", output),
    input,
    h("datalist", { id: "publication-marks" }, pubs.map((p) => h("option", { value: String(p.position), label: "P" + p.publicationNo }))),
    marks,
    h("p", { id: "asof-help", class: "sr-only" }, "Arrow keys move one position; publications are marked below the slider."),
  );
}

function downloads(edition, table, lang, asOf, publication) {
  const box = h("div", { class: "downloads", role: "group", "aria-label": "Download this table" }, "Download:");
  for (const [fmt, label] of [["CSV", "CSV"], ["JSON", "JSON"], ["MARKDOWN", "Markdown"], ["SVG", "SVG"], ["HTML", "HTML"]]) {
    box.append(
      h("button", { type: "button", "data-format": fmt.toLowerCase(), onclick: () => download(edition, table, lang, asOf, publication, fmt) }, label),
    );
  }
  return box;
}

async function download(edition, table, lang, asOf, publication, fmt) {
  const data = await gql(
    `query Export($e: String!, $t: RankingTableName!, $f: ExportFormat!, $l: Lang!, $p: Int, $a: AsOf) {
      export(edition: $e, table: $t, format: $f, lang: $l, publication: $p, asOf: $a) { filename mediaType content }
    }`,
    { e: edition, t: tableEnum(table), f: fmt, l: lang.toUpperCase(), p: publication, a: asOf },
  );
  const file = data.export;
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mediaType + ";charset=utf-8" }));
  const link = h("a", { href: url, download: file.filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------- the city page ----------

async function renderCity(view, cityId, params) {
  const table = tableParam(params);
  const edition = editionParam(params, "edition", (app.editions[0] || {}).editionId);
  const data = await gql(`query City($id: String!) { city(id: $id) { cityId nameEn nameZh country } }`, { id: cityId });
  const city = data.city;
  view.append(
    h("p", {}, h("a", { href: "#/?edition=" + edition.editionId + "&table=" + table }, "← " + edition.title)),
    h("h1", { id: "city-title" }, city.nameEn + " · " + city.nameZh),
    h(
      "form",
      { class: "controls", "aria-label": "Which edition and table", onsubmit: (e) => e.preventDefault() },
      select("city-edition", "Edition", app.editions.map((e) => [e.editionId, e.title]), edition.editionId, (e) =>
        go("/city/" + encodeURIComponent(cityId), { edition: e.target.value, table: table }),
      ),
      select("city-table", "Table", TABLES.map((t) => [t[1], t[2]]), table, (e) =>
        go("/city/" + encodeURIComponent(cityId), { edition: edition.editionId, table: e.target.value }),
      ),
    ),
  );
  const sections = [
    () => bandHistory(view, city, table),
    () => indicatorSection(view, city, edition, table),
    () => explainSection(view, city, edition, table),
    () => appealsSection(view, city, edition),
  ];
  for (const section of sections) {
    try {
      await section();
    } catch (error) {
      view.append(h("p", { class: "error" }, error.message));
    }
  }
  setStatus("");
  document.body.dataset.ready = "city";
}

// The band at every publication of every edition that includes the city (oldest first).
async function historyPoints(city, table) {
  const extra = mayReadCity(city) ? " rank score { fraction decimal }" : "";
  const data = await gql(
    `query H($c: String!) { cityHistory(city: $c) {
      entries { editionId year publicationNo position time tables { table band n${extra} } }
      steps { fromEdition toEdition comparable reasons } } }`,
    { c: city.cityId },
  );
  const history = data.cityHistory;
  const points = [];
  for (const entry of history.entries) {
    const standing = entry.tables.find((t) => tableName(t.table) === table);
    if (!standing) continue;
    const edition = app.editions.find((e) => e.editionId === entry.editionId) || { editionId: entry.editionId, title: entry.editionId };
    points.push({
      edition: edition,
      pub: { publicationNo: entry.publicationNo, time: entry.time || "", position: entry.position },
      band: standing.band,
      rank: standing.rank,
      score: standing.score,
    });
  }
  return { points: points, steps: history.steps };
}

async function bandHistory(view, city, table) {
  view.append(h("h2", { id: "history-title" }, "Band history (" + table + ")"));
  if (!has("cityHistory")) {
    view.append(h("p", {}, "This API version serves no city history."));
    return;
  }
  const { points, steps } = await historyPoints(city, table);
  if (!points.length) {
    view.append(h("p", {}, "No publication includes this city."));
    return;
  }
  const width = Math.max(320, 90 * points.length + 120);
  const height = 170;
  const x = (i) => 110 + i * 90;
  const y = (band) => 24 + BANDS.indexOf(band) * 34;
  const pointName = (p) => p.edition.editionId + (p.pub.publicationNo ? " publication " + p.pub.publicationNo : " now");
  const description = points.map((p) => pointName(p) + ": " + p.band).join("; ");
  const svg = s(
    "svg",
    { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img", "aria-labelledby": "history-svg-title history-svg-desc", id: "band-history" },
    s("title", { id: "history-svg-title" }, city.nameEn + ": band at each publication"),
    s("desc", { id: "history-svg-desc" }, description),
  );
  BANDS.forEach((band) => {
    svg.append(s("line", { x1: 100, x2: width - 10, y1: y(band), y2: y(band), stroke: "#d5dbe1" }));
    svg.append(s("text", { x: 4, y: y(band) + 4, "font-size": 12 }, band));
  });
  svg.append(s("polyline", { points: points.map((p, i) => x(i) + "," + y(p.band)).join(" "), fill: "none", stroke: "#1f7a8c", "stroke-width": 2 }));
  points.forEach((p, i) => {
    svg.append(s("circle", { cx: x(i), cy: y(p.band), r: 5, fill: p.pub.publicationNo ? "#0b4f6c" : "#e36414" }, s("title", {}, pointName(p) + ": " + p.band)));
    svg.append(s("text", { x: x(i), y: height - 22, "font-size": 10, "text-anchor": "middle" }, p.edition.editionId));
    svg.append(s("text", { x: x(i), y: height - 8, "font-size": 10, "text-anchor": "middle" }, p.pub.publicationNo ? "P" + p.pub.publicationNo : "now"));
  });
  const rows = points.map((p) =>
    h("tr", {}, h("td", {}, p.edition.title), h("td", {}, (p.pub.publicationNo ? "No. " + p.pub.publicationNo : "live") + " (" + p.pub.time.slice(0, 10) + ")"), h("td", {}, p.band), p.rank ? h("td", { class: "num" }, p.rank) : null, p.score ? h("td", { class: "num" }, scoreNode(p.score)) : null),
  );
  view.append(
    h("figure", {}, svg, h("figcaption", {}, "Band at each publication (orange: the live standing); the table below gives the same data.")),
    ...(steps.length
      ? [h("ul", { id: "history-steps" }, steps.map((st) => h("li", {}, st.fromEdition + " → " + st.toEdition + ": " + (st.comparable ? "comparable" : "not comparable (" + st.reasons.join("; ") + ")"))))]
      : []),
    h(
      "details",
      {},
      h("summary", {}, "Band history as a table"),
      h("table", { class: "data", id: "history-table" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Edition"), h("th", { scope: "col" }, "Publication"), h("th", { scope: "col" }, "Band"), mayReadCity(city) ? [h("th", { scope: "col" }, "Rank"), h("th", { scope: "col" }, "Score")] : null)), h("tbody", {}, rows)),
    ),
  );
}

async function frameworks() {
  if (!app.frameworks) {
    const data = await gql(`{ frameworks { frameworkId version indicators { indicatorId pillar name } } }`);
    app.frameworks = data.frameworks;
  }
  return app.frameworks;
}

function mayReadCity(city) {
  return seesScores() || (app.viewer.role === "city" && app.viewer.cityId === city.cityId);
}

async function indicatorSection(view, city, edition, table) {
  view.append(h("h2", {}, "Indicator points × weights"));
  if (!mayReadCity(city)) {
    view.append(h("p", {}, "Points and scores are shown to editors, auditors and the city itself; sign in with such a token."));
    return;
  }
  const votes = seesScores() ? " votes { verifierId decision note time }" : "";
  const data = await gql(
    `query Scores($id: String!, $e: String!) { city(id: $id) { scores(edition: $e) { position indicators {
      indicatorId points claimId claim { claimId rung status submittedAt languages
        sources { title url language date excerpt }
        rounds { roundNo outcome accepts rejects${votes} } } } } } }`,
    { id: city.cityId, e: edition.editionId },
  );
  const scores = data.city.scores;
  const fw = (await frameworks()).find((f) => f.frameworkId === edition.frameworkId && f.version === edition.frameworkVersion);
  const meta = new Map((fw ? fw.indicators : []).map((i) => [i.indicatorId, i]));
  let weights = new Map();
  if (has("weights") && (seesScores() || app.viewer.role === "panelist")) {
    const w = await gql(`query W($w: String!) { weights(weightSetId: $w) { revisions { revision position weights { indicatorId weight { fraction } } } } }`, { w: edition.weightSetId });
    const revisions = w.weights.revisions.filter((r) => r.position <= scores.position);
    const latest = revisions[revisions.length - 1];
    if (latest) weights = new Map(latest.weights.map((x) => [x.indicatorId, frac(x.weight.fraction)]));
  }
  const pillars = PILLARS_OF[table];
  let total = frac("0");
  const rows = [];
  for (const ind of scores.indicators) {
    const info = meta.get(ind.indicatorId) || { name: ind.indicatorId, pillar: "" };
    const counted = !pillars || pillars.includes(info.pillar);
    const weight = weights.get(ind.indicatorId);
    const product = weight ? fmul(frac(String(ind.points)), weight) : null;
    if (product && counted) total = fadd(total, product);
    rows.push(
      h(
        "tr",
        { "data-indicator": ind.indicatorId },
        h("th", { scope: "row" }, ind.indicatorId),
        h("td", {}, info.name),
        h("td", {}, info.pillar + (counted ? "" : " (not in this table)")),
        h("td", { class: "num" }, ind.points),
        h("td", { class: "num" }, weight ? scoreNode({ decimal: fdecimal(weight, 4), fraction: ftext(weight) }, "weight") : "—"),
        h("td", { class: "num" }, product ? scoreNode({ decimal: fdecimal(product, 2), fraction: ftext(product) }, "points × weight") : "—"),
        h("td", {}, ind.claim ? claimSummary(ind.claim) : "no accepted claim"),
      ),
    );
  }
  view.append(
    h("p", { class: "cut" }, "As of ledger position " + scores.position + (weights.size ? "" : " · weights are shown to editors, auditors and panelists")),
    h(
      "table",
      { class: "data", id: "indicators" },
      h("caption", { class: "sr-only" }, "Points, weights and their products per indicator"),
      h("thead", {}, h("tr", {}, ["Indicator", "Name", "Pillar", "Points", "Weight", "Points × weight", "Evidence and votes"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows),
      weights.size ? h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: "5" }, "Score (" + table + ")"), h("td", { class: "num" }, scoreNode({ decimal: fdecimal(total, 2), fraction: ftext(total) })), h("td", {}))) : null,
    ),
  );
}

function claimSummary(claim) {
  const sources = claim.sources.map((src) =>
    h("li", {}, src.url ? h("a", { href: src.url, rel: "noreferrer noopener" }, src.title) : src.title, " (" + src.language + ", " + src.date + ")"),
  );
  const rounds = claim.rounds.map((r) =>
    h(
      "li",
      {},
      "round " + r.roundNo + ": " + (r.outcome || "open") + " (" + r.accepts + " accept, " + r.rejects + " reject)",
      r.votes ? h("ul", {}, r.votes.map((v) => h("li", {}, v.verifierId + ": " + v.decision + (v.note ? " — " + v.note : "")))) : null,
    ),
  );
  return h("details", {}, h("summary", {}, claim.claimId + " · rung " + claim.rung + " · " + claim.status), h("ul", {}, sources), h("ul", {}, rounds));
}

async function explainSection(view, city, edition, table) {
  if (!has("explainMove")) return; // the explanation query is not served by this API version
  await renderExplain(view, city, edition, table);
}

async function appealsSection(view, city, edition) {
  const mine = app.viewer.role === "city" && app.viewer.cityId === city.cityId;
  if (!(mine || seesScores()) || !has("appeals")) return;
  // Fields differ between API versions (answers became decisions with reasons): ask for what exists.
  const pick = (...names) => names.find((n) => app.appealFields.has(n));
  const answer = pick("reasons", "response");
  const decided = pick("decidedAt", "answeredAt");
  const extra = [answer, decided, pick("deadline")].filter(Boolean).join(" ");
  const data = await gql(`query A($e: String) { appeals(edition: $e) { items { appealId cityId indicatorId text status filedAt ${extra} } } }`, { e: edition.editionId });
  const items = data.appeals.items.filter((a) => a.cityId === city.cityId);
  view.append(h("h2", {}, "Appeals"));
  if (!items.length) {
    view.append(h("p", {}, "No appeal in this edition."));
    return;
  }
  const date = (text) => (text ? text.slice(0, 10) : "—");
  view.append(
    h(
      "table",
      { class: "data", id: "appeals" },
      h("thead", {}, h("tr", {}, ["Appeal", "Indicator", "Filed", "Status", "Text", "Decided", "Reasons"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        items.map((a) =>
          h("tr", {}, h("td", {}, a.appealId), h("td", {}, a.indicatorId || "—"), h("td", {}, date(a.filedAt)), h("td", {}, a.status), h("td", {}, a.text), h("td", {}, date(decided && a[decided])), h("td", {}, (answer && a[answer]) || "—")),
        ),
      ),
    ),
  );
}

// "Why did it move?": the explanation query between two cuts (publications or now).
async function renderExplain(view, city, edition, table) {
  view.append(h("h2", { id: "explain-title" }, "Why did it move?"));
  if (!mayReadCity(city)) {
    view.append(h("p", {}, "Explanations are shown to editors, auditors and the city itself; sign in with such a token."));
    return;
  }
  const { params } = route();
  const pubs = edition.publications.filter((p) => p.tables.includes(table));
  const cuts = pubs.map((p) => ["p" + p.publicationNo, "Publication " + p.publicationNo + " (position " + p.position + ")"]);
  cuts.push(["now", "Now"]);
  const from = params.get("from") || (pubs.length ? "p" + pubs[pubs.length - 1].publicationNo : "now");
  const to = params.get("to") || "now";
  // A cut that is a plain number is a ledger position.
  for (const [key, value] of [["from", from], ["to", to]]) {
    if (isPosition(value)) cuts.push([value, "Position " + value]);
    else if (!cuts.some((c) => c[0] === value)) {
      throw linkError(key, value, "a cut of this table (" + cuts.map((c) => c[0]).join(", ") + ", or a ledger position)");
    }
  }
  const position = (id, label, key) =>
    h(
      "label",
      { for: id },
      label,
      h("input", { id: id, type: "number", min: "0", max: String(app.head), inputmode: "numeric", onchange: (e) => e.target.value && here({ [key]: String(e.target.value) }) }),
    );
  const here = (changes) => go("/city/" + encodeURIComponent(city.cityId), Object.assign({ edition: edition.editionId, table: table, from: from, to: to }, changes));
  view.append(
    h(
      "form",
      { class: "controls", "aria-label": "Explain the move between two points", onsubmit: (e) => e.preventDefault() },
      select("explain-from", "From", cuts, from, (e) => here({ from: e.target.value })),
      position("explain-from-position", "or from position", "from"),
      select("explain-to", "To", cuts, to, (e) => here({ to: e.target.value })),
      position("explain-to-position", "or to position", "to"),
    ),
  );
  const cut = (value) => (value === "now" ? null : value.startsWith("p") ? { publication: Number(value.slice(1)) } : { position: Number(value) });
  const exact = "{ fraction decimal }";
  const data = await gql(
    `query X($e: String!, $t: RankingTableName!, $c: String!, $from: Cut!, $to: Cut) {
      explainMove(edition: $e, table: $t, city: $c, from: $from, to: $to) {
        from { position band rank score ${exact} n tieRuleMatters }
        to { position band rank score ${exact} n tieRuleMatters }
        delta ${exact}
        indicators { indicatorId pointsFrom pointsTo weightFrom ${exact} weightTo ${exact}
          rungPart ${exact} weightPart ${exact} claimsFrom claimsTo
          causes { position type time actor claimId scoreChange ${exact} } }
        boundaries { from { band rankLimit score ${exact} } to { band rankLimit score ${exact} } }
        overtakenBy { cityId nameEn delta ${exact} rankFrom rankTo bandFrom bandTo }
        overtook { cityId nameEn delta ${exact} rankFrom rankTo bandFrom bandTo }
        tieRuleMatters } }`,
    { e: edition.editionId, t: tableEnum(table), c: city.cityId, from: cut(from) || { position: app.head }, to: cut(to) },
  );
  const x = data.explainMove;
  const standing = (s) => s.band + ", rank " + s.rank + " of " + s.n + ", score ";
  view.append(
    h(
      "p",
      { id: "explain-summary" },
      "From position " + x.from.position + ": " + standing(x.from),
      scoreNode(x.from.score),
      " → position " + x.to.position + ": " + standing(x.to),
      scoreNode(x.to.score),
      " (change ",
      scoreNode(x.delta, "change"),
      ")." + (x.tieRuleMatters ? " A tie on a band line decides the band (the tie rule matters)." : ""),
    ),
  );
  const moved = x.indicators.filter((i) => i.rungPart.fraction !== "0" || i.weightPart.fraction !== "0");
  const causes = (list) =>
    list.length
      ? h("ul", {}, list.map((c) => h("li", {}, "#" + c.position + " " + c.type + (c.claimId ? " " + c.claimId : "") + (c.actor ? " by " + c.actor : "") + " (", scoreNode(c.scoreChange, "score change"), ")")))
      : "—";
  view.append(
    h(
      "table",
      { class: "data", id: "explain-parts" },
      h("caption", {}, "The score change split per indicator (the parts add up exactly to the change)"),
      h("thead", {}, h("tr", {}, ["Indicator", "Points", "Weight", "Rung part", "Weight part", "Deciding events"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        moved.length
          ? moved.map((i) =>
              h(
                "tr",
                { "data-indicator": i.indicatorId },
                h("th", { scope: "row" }, i.indicatorId),
                h("td", { class: "num" }, i.pointsFrom + " → " + i.pointsTo),
                h("td", { class: "num" }, scoreNode(i.weightFrom, "weight before"), " → ", scoreNode(i.weightTo, "weight after")),
                h("td", { class: "num" }, scoreNode(i.rungPart, "rung part")),
                h("td", { class: "num" }, scoreNode(i.weightPart, "weight part")),
                h("td", {}, causes(i.causes)),
              ),
            )
          : h("tr", {}, h("td", { colspan: "6" }, "The city's own score did not change; see the band lines and the cities that crossed it.")),
      ),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: "3" }, "Score change"), h("td", { class: "num", colspan: "2" }, scoreNode(x.delta, "change")), h("td", {}))),
    ),
    h(
      "table",
      { class: "data", id: "explain-lines" },
      h("caption", {}, "Band lines: the last rank inside each band and the score there"),
      h("thead", {}, h("tr", {}, ["Band", "Rank limit (from)", "Last score (from)", "Rank limit (to)", "Last score (to)"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        x.boundaries.from.map((b, k) => {
          const after = x.boundaries.to[k];
          return h("tr", {}, h("th", { scope: "row" }, b.band), h("td", { class: "num" }, b.rankLimit), h("td", { class: "num" }, b.score ? scoreNode(b.score) : "—"), h("td", { class: "num" }, after.rankLimit), h("td", { class: "num" }, after.score ? scoreNode(after.score) : "—"));
        }),
      ),
    ),
    crossing("Overtaken by", "explain-overtaken", x.overtakenBy),
    crossing("Fell behind it", "explain-overtook", x.overtook),
  );
}

function crossing(title, id, cities) {
  if (!cities.length) return h("p", { id: id }, title + ": nobody.");
  return h(
    "div",
    { id: id },
    h("h3", {}, title),
    // A city's own token gets its rivals' bands only (their ranks and scores are null).
    h(
      "ul",
      {},
      cities.map((c) =>
        c.delta === null
          ? h("li", {}, c.nameEn + ": " + c.bandFrom + " → " + c.bandTo)
          : h("li", {}, c.nameEn + ": rank " + c.rankFrom + " → " + c.rankTo + ", " + c.bandFrom + " → " + c.bandTo + ", its own change ", scoreNode(c.delta, "change")),
      ),
    ),
  );
}

// ---------- edition comparison ----------

async function renderCompare(view, params) {
  const eds = app.editions;
  const a = editionParam(params, "a", (eds[1] || eds[0] || {}).editionId);
  const b = editionParam(params, "b", (eds[0] || {}).editionId);
  const table = tableParam(params);
  const at = choiceParam(params, "at", ["publication", "now"]) === "now" && seesScores() ? "now" : "publication";
  const nav = (changes) => go("/compare", Object.assign({ a: a.editionId, b: b.editionId, table: table, at: at }, changes));
  const atOptions = [["publication", "Latest publications"]].concat(seesScores() ? [["now", "Now (live standings)"]] : []);
  view.append(
    h("h1", {}, "Compare editions"),
    h(
      "form",
      { class: "controls", "aria-label": "Editions to compare", onsubmit: (e) => e.preventDefault() },
      select("cmp-a", "Edition A", eds.map((e) => [e.editionId, e.title]), a.editionId, (e) => nav({ a: e.target.value })),
      select("cmp-b", "Edition B", eds.map((e) => [e.editionId, e.title]), b.editionId, (e) => nav({ b: e.target.value })),
      select("cmp-table", "Table", TABLES.map((t) => [t[1], t[2]]), table, (e) => nav({ table: e.target.value })),
      select("cmp-at", "At", atOptions, at, (e) => nav({ at: e.target.value })),
    ),
  );
  if (!has("compareEditions")) {
    view.append(h("p", {}, "This API version serves no edition comparison."));
    setStatus("");
    return;
  }
  const data = await gql(
    `query C($a: String!, $b: String!, $t: RankingTableName!, $at: ComparisonPoint!) {
      compareEditions(a: $a, b: $b, table: $t, at: $at) {
        positionA positionB publicationA publicationB comparable reasons notes
        matrix { fromBand cells { toBand count } }
        entered { nameEn band } left { nameEn band } rows { cityId nameEn bandA bandB } } }`,
    { a: a.editionId, b: b.editionId, t: tableEnum(table), at: at.toUpperCase() },
  );
  const cmp = data.compareEditions;
  const count = (from, to) => {
    const row = cmp.matrix.find((r) => r.fromBand === from);
    const cell = row && row.cells.find((c) => c.toBand === to);
    return cell ? cell.count : 0;
  };
  const matrix = BANDS.map((from) => BANDS.map((to) => count(from, to)));
  const cut = (pub, pos) => (pub ? "publication " + pub : "now") + " (position " + pos + ")";
  view.append(
    h(
      "p",
      { id: "verdict" },
      h("span", { class: "verdict " + (cmp.comparable ? "yes" : "no") }, cmp.comparable ? "Comparable" : "Not comparable"),
      cmp.reasons.length ? ": " + cmp.reasons.join("; ") : ": same framework version and weights.",
    ),
    h("p", { class: "cut" }, a.editionId + " at " + cut(cmp.publicationA, cmp.positionA) + " · " + b.editionId + " at " + cut(cmp.publicationB, cmp.positionB)),
    ...(cmp.notes.length ? [h("ul", {}, cmp.notes.map((n) => h("li", {}, n)))] : []),
    flowChart(matrix, a, b),
    matrixTable(matrix, a, b),
    h(
      "p",
      { id: "entered-left" },
      "Entered (only in " + b.editionId + "): " + (cmp.entered.length ? cmp.entered.map((c) => c.nameEn).join(", ") : "none") +
        ". Left (only in " + a.editionId + "): " + (cmp.left.length ? cmp.left.map((c) => c.nameEn).join(", ") : "none") + ".",
    ),
  );
  setStatus("");
  document.body.dataset.ready = "compare";
}

function flowChart(matrix, a, b) {
  const width = 640;
  const height = 340;
  const total = matrix.flat().reduce((x, y) => x + y, 0) || 1;
  const usable = height - 40 - 3 * 10;
  const colours = ["#0b4f6c", "#1f7a8c", "#5fa8b8", "#a9d3dc"];
  const outs = matrix.map((row) => row.reduce((x, y) => x + y, 0));
  const ins = BANDS.map((_, j) => matrix.reduce((x, row) => x + row[j], 0));
  const layout = (counts) => {
    let y = 20;
    return counts.map((c) => {
      const box = { y: y, h: Math.max(2, (c / total) * usable) };
      y += box.h + 10;
      return box;
    });
  };
  const leftBoxes = layout(outs);
  const rightBoxes = layout(ins);
  const desc = [];
  const svg = s("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img", "aria-labelledby": "flow-title flow-desc", id: "flow" });
  svg.append(s("title", { id: "flow-title" }, "Band transitions from " + a.editionId + " (left) to " + b.editionId + " (right)"));
  const leftUsed = leftBoxes.map((bx) => bx.y);
  const rightUsed = rightBoxes.map((bx) => bx.y);
  matrix.forEach((row, i) =>
    row.forEach((count, j) => {
      if (!count) return;
      const thick = (count / total) * usable;
      const y1 = leftUsed[i] + thick / 2;
      const y2 = rightUsed[j] + thick / 2;
      leftUsed[i] += thick;
      rightUsed[j] += thick;
      desc.push(BANDS[i] + " → " + BANDS[j] + ": " + count);
      svg.append(
        s(
          "path",
          { d: `M 150 ${y1} C 320 ${y1}, 320 ${y2}, 490 ${y2}`, fill: "none", stroke: colours[i], "stroke-opacity": 0.55, "stroke-width": Math.max(1, thick), "data-from": BANDS[i], "data-to": BANDS[j] },
          s("title", {}, BANDS[i] + " → " + BANDS[j] + ": " + count + (count === 1 ? " city" : " cities")),
        ),
      );
    }),
  );
  BANDS.forEach((band, i) => {
    svg.append(s("rect", { x: 130, y: leftBoxes[i].y, width: 20, height: leftBoxes[i].h, fill: colours[i] }));
    svg.append(s("text", { x: 124, y: leftBoxes[i].y + leftBoxes[i].h / 2 + 4, "font-size": 12, "text-anchor": "end" }, band + " (" + outs[i] + ")"));
    svg.append(s("rect", { x: 490, y: rightBoxes[i].y, width: 20, height: rightBoxes[i].h, fill: colours[i] }));
    svg.append(s("text", { x: 516, y: rightBoxes[i].y + rightBoxes[i].h / 2 + 4, "font-size": 12 }, band + " (" + ins[i] + ")"));
  });
  svg.append(s("desc", { id: "flow-desc" }, desc.join("; ") || "No city is in both editions."));
  return h("figure", {}, svg, h("figcaption", {}, "Who moved from which band (left, " + a.editionId + ") to which (right, " + b.editionId + "); the matrix below gives the counts."));
}

function matrixTable(matrix, a, b) {
  return h(
    "table",
    { class: "data", id: "matrix" },
    h("caption", {}, "Band transition matrix: rows " + a.editionId + ", columns " + b.editionId),
    h("thead", {}, h("tr", {}, h("td", {}), BANDS.map((band) => h("th", { scope: "col" }, band)))),
    h("tbody", {}, matrix.map((row, i) => h("tr", {}, h("th", { scope: "row" }, BANDS[i]), row.map((c) => h("td", { class: "num" }, c))))),
  );
}

// ---------- boot ----------

window.addEventListener("hashchange", () => render());
document.addEventListener("DOMContentLoaded", async () => {
  setUpSignIn();
  try {
    await start();
  } catch (error) {
    // A stale token in this session: drop it and continue anonymously.
    sessionStorage.removeItem(TOKEN_KEY);
    try {
      await start();
    } catch (again) {
      showError(again);
      return;
    }
  }
  await render();
});
