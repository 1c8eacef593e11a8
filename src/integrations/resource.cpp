#include "src/integrations/resource.h"

namespace stepd::integrations {

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// "arn:aws:states:::" or another partition ("arn:aws-cn:states:::").
bool states_prefix(const std::string& s, std::string* rest) {
  if (!starts_with(s, "arn:")) return false;
  auto p = s.find(":states:::");
  if (p == std::string::npos || s.find(':', 4) != p) return false;
  *rest = s.substr(p + 10);
  return true;
}

}  // namespace

Resource parse_resource(const std::string& resource) {
  Resource r;
  r.arn = resource;
  std::string rest;
  if (states_prefix(resource, &rest)) {
    const std::string kToken = ".waitForTaskToken";
    if (rest.size() > kToken.size() && rest.compare(rest.size() - kToken.size(), kToken.size(), kToken) == 0) {
      r.wait_for_task_token = true;
      rest.resize(rest.size() - kToken.size());
    }
    if (rest == "http:invoke" && !r.wait_for_task_token) r.kind = ResourceKind::kHttpInvoke;
    else if (rest == "lambda:invoke") r.kind = ResourceKind::kLambdaInvoke;
    else if (starts_with(rest, "aws-sdk:")) {
      auto colon = rest.find(':', 8);
      if (colon != std::string::npos && colon > 8 && colon + 1 < rest.size() &&
          rest.find_first_of(":.", colon + 1) == std::string::npos) {
        r.kind = ResourceKind::kAwsSdk;
        r.service = rest.substr(8, colon - 8);
        r.action = rest.substr(colon + 1);
      }
    }
    if (r.kind == ResourceKind::kOther) r.wait_for_task_token = false;
    return r;
  }
  // arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
  if (starts_with(resource, "arn:") && resource.find(":lambda:") != std::string::npos &&
      resource.find(":function:") != std::string::npos) {
    r.kind = ResourceKind::kLambdaFunction;
  }
  return r;
}

}  // namespace stepd::integrations
