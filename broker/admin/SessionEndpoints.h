#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// /api/v1/sessions: every session, online or offline (filtered, sorted, paged across shards),
// one in detail, and ending one (its client, if connected, is told 0x98 first).
class SessionEndpoints
{
public:
    explicit SessionEndpoints(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void list(const ApiRequest& request, const Responder& responder);
    void get(const ApiRequest& request, const Responder& responder);
    void remove(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
};

} // namespace sb::admin
