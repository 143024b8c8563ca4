-- wrk: POST /seat-events with a new customerEventId on every request.
local counter = 0
local thread_id = tostring(math.random(1, 1000000000))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic a2V5OnNlY3JldA=="
request = function()
  counter = counter + 1
  local body = string.format(
    '{"customerEventId":"bench-%s-%d","customerAlias":"customer-%d","seatType":"admin",' ..
    '"eventTimestamp":"2024-04-18T00:00:00Z","total":%d}',
    thread_id, counter, counter % 100, counter % 50)
  return wrk.format(nil, "/seat-events", nil, body)
end
