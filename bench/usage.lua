-- wrk: POST /usage-events with a new customerEventId on every request (as post.lua does for
-- seat events, with Sequence's example properties).
local counter = 0
local thread_id = tostring(math.random(1, 1000000000))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic a2V5OnNlY3JldA=="
request = function()
  counter = counter + 1
  local body = string.format(
    '{"customerEventId":"bench-%s-%d","customerAlias":"customer-%d","eventType":"message-sent",' ..
    '"eventTimestamp":"2024-04-18T00:00:00Z","eventProperties":{"length":%d,"type":"text_message"}}',
    thread_id, counter, counter % 100, counter % 500)
  return wrk.format(nil, "/usage-events", nil, body)
end
