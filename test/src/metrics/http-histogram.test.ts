// The lean HTTP histogram (src/metrics/http-histogram.ts) exposes exactly what prom-client's own
// Histogram does for the same observations: the Prometheus text and the JSON (issue 19's output,
// issue 16's cost).
import { Histogram, Registry } from 'prom-client'
import t from 'tap'
import { HttpDurationHistogram } from '../../../src/metrics/http-histogram.js'

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const NAME = 'vaultsync_http_request_duration_seconds'
const HELP = 'HTTP request duration by method, route template and status code, seconds'
const OBSERVATIONS: Array<[string, string, number, number]> = [
  ['GET', '/v1/*', 200, 0.0003], ['GET', '/v1/*', 200, 0.0042], ['PUT', '/v1/*', 204, 0.011],
  ['GET', '/v1/*', 404, 0.5], ['GET', '/v1/*', 200, 3.7], ['LIST', '/v1/sys/sync/destinations', 200, 0.001],
  ['GET', '/v1/*', 200, 0.0025], ['POST', '/v1/sys/sync/destinations/:type/:name', 400, 0.00049]
]

function reference (): Registry {
  const registry = new Registry()
  const h = new Histogram({ name: NAME, help: HELP, labelNames: ['method', 'route', 'status_code'], buckets: BUCKETS, registers: [registry] })
  for (const [m, r, s, v] of OBSERVATIONS) h.labels(m, r, String(s)).observe(v)
  return registry
}

function lean (): { registry: Registry, h: HttpDurationHistogram } {
  const registry = new Registry()
  const h = new HttpDurationHistogram(NAME, HELP, BUCKETS).registerOn(registry)
  for (const [m, r, s, v] of OBSERVATIONS) h.observe(m, r, s, v)
  return { registry, h }
}

t.test('the Prometheus text is prom-client\'s, byte for byte', async (t) => {
  const want = await reference().metrics()
  t.match(want, 'vaultsync_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/*",status_code="200"} 3')
  t.equal(await lean().registry.metrics(), want)
})

t.test('the JSON (Vault\'s format is built from it) is prom-client\'s', async (t) => {
  const want = await reference().getMetricsAsJSON()
  const got = await lean().registry.getMetricsAsJSON()
  t.same(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(want)))
})

t.test('reset forgets every series; an empty histogram prints only its header', async (t) => {
  const { registry, h } = lean()
  registry.resetMetrics()
  t.equal(await registry.metrics(), `# HELP ${NAME} ${HELP}\n# TYPE ${NAME} histogram\n`)
  h.observe('GET', '/v1/*', 200, 0.002)
  t.match(await registry.metrics(), `${NAME}_count{method="GET",route="/v1/*",status_code="200"} 1`)
})
