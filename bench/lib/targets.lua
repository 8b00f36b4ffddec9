-- wrk script: rotates requests over the targets in the file named by $BENCH_TARGETS, one
-- "host<TAB>authorization header value<TAB>path[<TAB>value]" per line, so every connection
-- walks through every agency (and every filter the driver listed). $BENCH_METHOD and
-- $BENCH_BODY (a file holding the body: "{{n}}" becomes a per-request counter so each body is
-- distinct, "{{value}}" the target's fourth column, e.g. a client of that agency) make it a
-- write. done() prints one JSON line, prefixed "WRK_JSON ", that the benchmark driver reads.

local targets = {}
for line in io.lines(os.getenv("BENCH_TARGETS")) do
  local host, auth, path, value = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t?(.*)$")
  if host then
    targets[#targets + 1] = { host = host, auth = auth, path = path, value = value }
  end
end
assert(#targets > 0, "no targets in $BENCH_TARGETS")
local method = os.getenv("BENCH_METHOD") or "GET"
local body_template = nil
local body_file = os.getenv("BENCH_BODY")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "r"))
  body_template = f:read("*a")
  f:close()
end

local thread_no = 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("offset", thread_no * 7919)
  thread:set("thread_no", thread_no)
end

local n = 0

function init(args)
  n = offset or 0
end

function request()
  n = n + 1
  local t = targets[(n % #targets) + 1]
  local headers = { ["Host"] = t.host, ["Authorization"] = t.auth }
  local body = nil
  if body_template then
    headers["Content-Type"] = "application/json"
    body = body_template:gsub("{{n}}", tostring(thread_no or 0) .. "-" .. tostring(n))
    body = body:gsub("{{value}}", t.value)
  end
  return wrk.format(method, t.path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
