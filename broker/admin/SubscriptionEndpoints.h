#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// GET /api/v1/subscriptions: every subscription of every session, by filter then client id,
// read from the sessions on their shards (not from the router's index, whose lock the
// publish path shares).
class SubscriptionEndpoints
{
public:
    explicit SubscriptionEndpoints(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void list(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
};

} // namespace sb::admin
