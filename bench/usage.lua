-- wrk: POST /usage-events with a new customerEventId on every request (named as post.lua
-- names them, with Sequence's example properties).
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
    '{"customerEventId":"%s-%d","customerAlias":"customer-%d","eventType":"message-sent",' ..
    '"eventTimestamp":"2024-04-18T00:00:00Z","eventProperties":{"length":%d,"type":"text_message"}}',
    prefix, counter, counter % 100, counter % 500)
  return wrk.format(nil, "/usage-events", nil, body)
end
