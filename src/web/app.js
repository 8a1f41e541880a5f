// The web page of nova-advisor (docs/metrics.md "Web page"): plain browser JavaScript, no build step. Every figure
// comes from the /v1 API with the user's Keystone token, so the page shows what that token may see and no more.
// The token: typed in, or handed over by Horizon in the URL fragment (#token=…) or by postMessage from the frame's
// parent ({type: 'nova-advisor-token', token}); kept in sessionStorage, sent as X-Auth-Token.

const PAGE = 50;
const state = { token: sessionStorage.getItem('nova-advisor-token') ?? '', cloud: '' };

const $ = (id) => document.getElementById(id);

/** An element with text (never HTML: names come from the cloud) and children. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'style') Object.assign(node.style, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = message === '';
}

/** A /v1 call with the token; a problem+json answer becomes an Error with its detail. */
async function api(path, { method = 'GET', query = {}, body } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries({ ...query, cloud: state.cloud })) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const headers = { accept: 'application/json' };
  if (state.token) headers['x-auth-token'] = state.token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(json.detail ?? `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return json;
}

/** Marker paging: the markers of the pages before, so Previous goes back without the API paging backwards. */
class Pager {
  constructor(prefix, load) {
    this.load = load;
    this.markers = [undefined];
    this.prev = $(`${prefix}-prev`);
    this.next = $(`${prefix}-next`);
    this.prev.addEventListener('click', () => { this.markers.pop(); this.show(); });
    this.next.addEventListener('click', () => { this.markers.push(this.nextMarker); this.show(); });
  }
  reset() { this.markers = [undefined]; return this.show(); }
  async show() {
    try {
      const page = await this.load(this.markers.at(-1));
      this.nextMarker = page.nextMarker;
      this.prev.disabled = this.markers.length === 1;
      this.next.disabled = page.nextMarker === null;
      showError('');
    } catch (err) {
      showError(err.message);
    }
  }
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function bar(value, max) {
  const width = max > 0 ? Math.round((100 * value) / max) : 0;
  return el('span', { class: 'bar' }, el('span', { class: 'bar-fill', style: { width: `${width}%` } }), el('span', { class: 'bar-text' }, value.toLocaleString()));
}

function debounce(fn) {
  let timer;
  return () => { clearTimeout(timer); timer = setTimeout(fn, 250); };
}

// ------------------------------------------------------------------ flavors

let selectedFlavor = null;

async function loadResources() {
  const res = await api('/v1/capacity/resources');
  $('snapshot').textContent = `snapshot ${res.snapshot.id.slice(0, 8)} of ${res.snapshot.cloud}, ${res.hostsChecked.toLocaleString()} hosts, ${Math.round(res.snapshot.ageSeconds / 60)} min old`;
  $('resources').replaceChildren(...res.resources.map((r) => el('div', { class: r.pci ? 'card pci' : 'card' },
    el('div', { class: 'card-title' }, r.resourceClass), bar(r.free, r.capacity), el('div', { class: 'muted' }, `free of ${r.capacity.toLocaleString()}, ${r.used.toLocaleString()} used`))));
  const select = $('device-class');
  select.replaceChildren(select.options[0], ...res.pciClasses.map((rc) => el('option', { value: rc }, `Only hosts with ${rc}`)));
  return res;
}

const flavorPager = new Pager('flavor', async (marker) => {
  const page = await api('/v1/capacity/flavors', { query: { limit: PAGE, marker, name: $('flavor-search').value } });
  const max = Math.max(0, ...page.items.map((f) => f.instances));
  fill($('flavor-table').tBodies[0], page.items.map((f) => el('tr', { 'data-flavor': f.name, class: 'clickable', onclick: () => showFlavor(f) },
    el('td', {}, f.name), el('td', {}, f.vcpus), el('td', {}, f.ramMb), el('td', {}, f.pciAlias ?? ''),
    el('td', {}, bar(f.instances, max)), el('td', {}, f.hostsThatFit),
    el('td', { class: 'muted' }, Object.entries(f.blocked).slice(0, 3).map(([reason, n]) => `${reason} (${n})`).join(', ')))));
  $('flavor-names').replaceChildren(...page.items.map((f) => el('option', { value: f.name })));
  return page;
});

/** Without host-level access the API answers 403 for per-host figures: say so in the table instead of an error. */
async function hostsOr403(query, tbody, columns) {
  try {
    return await api('/v1/capacity/hosts', { query });
  } catch (err) {
    if (err.status !== 403) throw err;
    fill(tbody, [el('tr', {}, el('td', { colspan: columns, class: 'muted' }, 'Per-host figures need a host-detail role (docs/security.md).'))]);
    return null;
  }
}

const fitPager = new Pager('fit', async (marker) => {
  const tbody = $('fit-table').tBodies[0];
  const page = await hostsOr403({ limit: PAGE, marker, flavor_id: selectedFlavor.id, name: $('fit-search').value }, tbody, 2);
  if (page) fill(tbody, page.items.map((h) => el('tr', {}, el('td', {}, h.name), el('td', {}, h.instances))));
  return page ?? { nextMarker: null };
});

function showFlavor(flavor) {
  selectedFlavor = flavor;
  $('flavor-detail').hidden = false;
  $('flavor-detail-title').textContent = `${flavor.name}: ${flavor.instances.toLocaleString()} instances on ${flavor.hostsThatFit.toLocaleString()} hosts`;
  fill($('aggregate-table').tBodies[0], flavor.aggregates.map((a) => el('tr', {}, el('td', {}, a.aggregate), el('td', {}, a.instances), el('td', {}, a.hosts))));
  void fitPager.reset();
}

// ------------------------------------------------------------------ PCI heat map

let pciClasses = [];

const devicePager = new Pager('device', async (marker) => {
  const rc = $('device-class').value;
  const columns = rc ? [rc] : pciClasses;
  const page = await hostsOr403({ limit: PAGE, marker, name: $('device-search').value, pci: 'true', resource_class: rc || undefined }, $('heatmap').tBodies[0], columns.length + 1);
  if (!page) return { nextMarker: null };
  $('heatmap').tHead.replaceChildren(el('tr', {}, el('th', {}, 'Host'), ...columns.map((c) => el('th', {}, c))));
  const rows = page.items.map((h) => el('tr', {}, el('th', {}, h.name), ...columns.map((c) => {
      const u = h.units[c];
      if (!u) return el('td', { class: 'none' }, '');
      const fullness = u.capacity > 0 ? 1 - u.free / u.capacity : 1;
      return el('td', { class: 'cell', title: `${h.name} ${c}: ${u.free} free of ${u.capacity}`, style: { background: `hsl(${Math.round(120 * (1 - fullness))} 70% ${Math.round(85 - 40 * fullness)}%)` } }, `${u.free}/${u.capacity}`);
    })));
  fill($('heatmap').tBodies[0], rows.length ? rows : [el('tr', {}, el('td', { class: 'muted' }, 'No host with PCI devices on this page.'))]);
  return page;
});

// ------------------------------------------------------------------ paste box

/** Image properties from what was pasted: a property map, or `openstack image show -f json` output. */
export function propertiesOf(text) {
  const parsed = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('paste a JSON object');
  let props = parsed;
  let name;
  if ('properties' in parsed && ('disk_format' in parsed || 'id' in parsed)) {
    name = typeof parsed.name === 'string' ? parsed.name : undefined;
    props = parsed.properties;
    // Older clients print properties as one string: key='value', key='value'.
    if (typeof props === 'string') props = Object.fromEntries([...props.matchAll(/([\w:.-]+)='((?:[^'\\]|\\.)*)'/g)].map((m) => [m[1], m[2]]));
    props = { ...props };
    // Glance system attributes the client folds into `properties`; not image metadata Nova reads.
    for (const key of ['os_hash_algo', 'os_hash_value', 'os_hidden', 'stores', 'locations', 'direct_url']) delete props[key];
  }
  const properties = Object.fromEntries(Object.entries(props ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return { properties, name };
}

async function runCheck() {
  let input;
  try {
    input = propertiesOf($('paste').value);
  } catch (err) {
    showError(`Cannot read the pasted text: ${err.message}`);
    return;
  }
  const flavorName = $('check-flavor').value.trim();
  const flavor = flavorName ? { name: flavorName } : undefined;
  try {
    const [validation, advice] = await Promise.all([
      api('/v1/validations', { method: 'POST', body: { properties: input.properties, ...(input.name ? { name: input.name } : {}), ...(flavor ? { flavor } : {}) } }),
      api('/v1/recommendations', { method: 'POST', body: { image: { properties: input.properties, ...(input.name ? { name: input.name } : {}) }, ...(flavor ? { flavor } : {}), workload: $('check-workload').value } }),
    ]);
    showError('');
    $('check-result').hidden = false;
    $('verdict').textContent = validation.verdict;
    $('verdict').className = `verdict ${validation.verdict}`;
    fill($('finding-table').tBodies[0], validation.findings.map((f) => el('tr', { class: f.severity },
      el('td', {}, f.severity), el('td', {}, f.id), el('td', {}, f.field ?? ''), el('td', {}, f.message))));
    const recommendations = [...advice.imageProperties.map((r) => ({ ...r, where: 'image' })), ...advice.flavorExtraSpecs.map((r) => ({ ...r, where: 'flavor' }))];
    fill($('recommendation-table').tBodies[0], recommendations.map((r) => el('tr', {},
      el('td', {}, `${r.where} ${r.key}`), el('td', {}, r.value), el('td', {}, r.current ?? '(unset)'), el('td', {}, r.reason))));
  } catch (err) {
    showError(err.message);
  }
}

// ------------------------------------------------------------------ start

function setToken(token) {
  state.token = token;
  sessionStorage.setItem('nova-advisor-token', token);
  void start();
}

async function start() {
  try {
    const ready = await fetch('/readyz').then((r) => r.json());
    const clouds = ready.clouds ?? [];
    const select = $('cloud');
    if (select.options.length !== clouds.length) select.replaceChildren(...clouds.map((c) => el('option', { value: c }, c)));
    state.cloud = select.value;
    pciClasses = (await loadResources()).pciClasses;
    await flavorPager.reset();
    await devicePager.reset();
    document.body.dataset.ready = 'true';
  } catch (err) {
    showError(err.status === 401 ? 'Enter a Keystone token (the service checks it with Keystone).' : err.message);
  }
}

// Horizon hands the token in the fragment, which never reaches a server log; it is removed from the address at once.
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('token')) {
  state.token = fragment.get('token');
  sessionStorage.setItem('nova-advisor-token', state.token);
  history.replaceState(null, '', location.pathname + location.search);
}
// Or from the frame's parent: only the parent may hand it (CSP frame-ancestors limits who can be the parent).
window.addEventListener('message', (event) => {
  if (event.source === window.parent && event.data?.type === 'nova-advisor-token' && typeof event.data.token === 'string') setToken(event.data.token);
});

$('token').value = state.token;
$('token-form').addEventListener('submit', (event) => { event.preventDefault(); setToken($('token').value.trim()); });
$('cloud').addEventListener('change', () => { state.cloud = $('cloud').value; void start(); });
$('flavor-search').addEventListener('input', debounce(() => flavorPager.reset()));
$('fit-search').addEventListener('input', debounce(() => fitPager.reset()));
$('device-search').addEventListener('input', debounce(() => devicePager.reset()));
$('device-class').addEventListener('change', () => devicePager.reset());
$('check-run').addEventListener('click', () => void runCheck());
for (const tab of document.querySelectorAll('[role=tab]')) {
  tab.addEventListener('click', () => {
    for (const other of document.querySelectorAll('[role=tab]')) {
      other.setAttribute('aria-selected', String(other === tab));
      $(other.dataset.tab).hidden = other !== tab;
    }
  });
}
void start();
