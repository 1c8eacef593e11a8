-- wrk script: an HTTP long-poll activity worker. Each connection polls
-- GetActivityTask for ACTIVITY_ARN and answers each task it gets with
-- SendTaskSuccess (its input as output) on its next request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
local activity = os.getenv("ACTIVITY_ARN")
local pending = {}  -- tokens to answer, per thread

function request()
  local token = table.remove(pending)
  if token then
    wrk.headers["X-Amz-Target"] = "AWSStepFunctions.SendTaskSuccess"
    return wrk.format(nil, "/", nil, '{"taskToken":"' .. token .. '","output":"{}"}')
  end
  wrk.headers["X-Amz-Target"] = "AWSStepFunctions.GetActivityTask"
  return wrk.format(nil, "/", nil, '{"activityArn":"' .. activity .. '","workerName":"wrk"}')
end

function response(status, headers, body)
  local token = body:match('"taskToken":"([0-9a-f]+)"')
  if token then table.insert(pending, token) end
end
