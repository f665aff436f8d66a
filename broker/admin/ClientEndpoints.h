#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// /api/v1/clients: the connected clients (filtered, sorted, paged across shards), one client
// in detail, and disconnecting one (DISCONNECT 0x98 Administrative action in 5.0).
class ClientEndpoints
{
public:
    explicit ClientEndpoints(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void list(const ApiRequest& request, const Responder& responder);
    void get(const ApiRequest& request, const Responder& responder);
    void disconnect(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
};

} // namespace sb::admin
