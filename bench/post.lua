-- wrk script: POSTs a SOAP template with a unique bulk MessageHeader/ID per request
-- (replay detection stays active), and prints p50/p99 latency and non-200 counts.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local file = io.open(args[1], "r")
  template = file:read("*a")
  file:close()
  -- args[2] is unique per wrk run, so no run replays another run's message IDs
  prefix = string.format("%s-%d-", args[2] or "R", tid)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
  wrk.headers["SOAPAction"] = "http://sap.com/xi/SAPSCORE/SFIN/JournalEntryCreateRequestConfirmation_In/JournalEntryCreateRequestConfirmation_InRequest"
  wrk.headers["Authorization"] = "Basic SU5URUdSQVRJT046d2VsY29tZTE="
  -- args[3] = "async": POST to the asynchronous service, which answers 202 with an empty body
  async = args[3] == "async"
  if async then
    wrk.headers["SOAPAction"] = "http://sap.com/xi/SAPSCORE/SFIN/JournalEntryBulkCreationRequest_In/JournalEntryBulkCreationRequest_InRequest"
  end
  errors_seen = 0
end

function request()
  counter = counter + 1
  local body = string.gsub(template, "__MSGID__", prefix .. counter, 1)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if async then
    if status ~= 202 then errors_seen = errors_seen + 1 end
    return
  end
  if status ~= 200 or not string.find(body, "605(RW)", 1, true) or string.find(body, "609(RW)", 1, true) then
    errors_seen = errors_seen + 1
  end
end

function done(summary, latency, requests)
  local not_posted = 0
  for _, thread in ipairs(threads) do not_posted = not_posted + (thread:get("errors_seen") or 0) end
  io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f socket_errors=%d non2xx=%d not_posted=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status, not_posted))
end
