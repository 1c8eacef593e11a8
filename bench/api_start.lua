-- wrk script: StartExecution (or, with TARGET=StartSyncExecution, the sync
-- start) of the machine in SM_ARN; RATE (requests/s over all connections,
-- with CONNECTIONS set to wrk's -c) paces the load through wrk's delay().
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "AWSStepFunctions." .. (os.getenv("TARGET") or "StartExecution")
wrk.body = '{"stateMachineArn":"' .. os.getenv("SM_ARN") .. '","input":"{\\"n\\":1}"}'

local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "1")

function delay()
  if rate <= 0 then return 0 end
  return connections * 1000 / rate
end

local errors = 0
function response(status, headers, body)
  if status ~= 200 and errors < 3 then
    errors = errors + 1
    io.stderr:write("HTTP " .. status .. ": " .. body .. "\n")
  end
end
