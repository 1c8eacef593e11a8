-- wrk script: StartExecution (or, with TARGET=StartSyncExecution, the sync
-- start) of the machine in SM_ARN. PACED=1 makes each connection pause 1 ms
-- (wrk's delay() counts whole milliseconds) between an answer and its next
-- request: the rate is then set by the number of connections.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "AWSStepFunctions." .. (os.getenv("TARGET") or "StartExecution")
wrk.body = '{"stateMachineArn":"' .. os.getenv("SM_ARN") .. '","input":"{\\"n\\":1}"}'

local paced = os.getenv("PACED") == "1"

function delay()
  if paced then return 1 end
  return 0
end

local errors = 0
function response(status, headers, body)
  if status ~= 200 and errors < 3 then
    errors = errors + 1
    io.stderr:write("HTTP " .. status .. ": " .. body .. "\n")
  end
end
