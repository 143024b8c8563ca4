-- wrk: POST /seat-events (kind "seat") or /usage-events (kind "usage", with Sequence's example
-- properties), a new customerEventId on every request. wrk's arguments after -- are the run's
-- name and the kind. Each thread names its ids by the run and its own number: math.random
-- would give every thread the same "random" name, and every run the same ids.
local counter = 0
local threads = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic a2V5OnNlY3JldA=="

local KINDS = {
  seat = {"/seat-events",
    '{"customerEventId":"%s-%d","customerAlias":"customer-%d","seatType":"admin",' ..
    '"eventTimestamp":"2024-04-18T00:00:00Z","total":%d}', 50},
  usage = {"/usage-events",
    '{"customerEventId":"%s-%d","customerAlias":"customer-%d","eventType":"message-sent",' ..
    '"eventTimestamp":"2024-04-18T00:00:00Z","eventProperties":{"length":%d,"type":"text_message"}}',
    500},
}

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  prefix = string.format("bench-%s-%d", args[1] or tostring(os.time()), thread_number)
  kind = KINDS[args[2] or "seat"]
end

request = function()
  counter = counter + 1
  local path, template, spread = kind[1], kind[2], kind[3]
  local body = string.format(template, prefix, counter, counter % 100, counter % spread)
  return wrk.format(nil, path, nil, body)
end
