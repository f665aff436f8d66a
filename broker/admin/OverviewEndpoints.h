#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// GET /healthz, GET /api/v1/overview and GET /metrics: the broker at a glance, for people
// (overview), load balancers (healthz) and Prometheus (metrics).
class OverviewEndpoints
{
public:
    explicit OverviewEndpoints(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void health(const ApiRequest& request, const Responder& responder);
    void overview(const ApiRequest& request, const Responder& responder);
    void metrics(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
};

} // namespace sb::admin
