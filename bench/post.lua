-- wrk: POST /seat-events with a new customerEventId on every request. Each thread names its
-- ids by the run (wrk's argument after --) and its own number: math.random would give every
-- thread the same "random" name, and every run the same ids.
local counter = 0
local threads = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic a2V5OnNlY3JldA=="

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  prefix = string.format("bench-%s-%d", args[1] or tostring(os.time()), thread_number)
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"customerEventId":"%s-%d","customerAlias":"customer-%d","seatType":"admin",' ..
    '"eventTimestamp":"2024-04-18T00:00:00Z","total":%d}',
    prefix, counter, counter % 100, counter % 50)
  return wrk.format(nil, "/seat-events", nil, body)
end
