#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// /api/v1/limits: every limit with its value, default, range and description; changing
// several at once (all or nothing, persisted, applied to open connections); and the overrides
// per user name (/limits/users/{name}) and per client id (/limits/clients/{id}).
class LimitEndpoints
{
public:
    explicit LimitEndpoints(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void list(const ApiRequest& request, const Responder& responder);
    void update(const ApiRequest& request, const Responder& responder);
    void addOverrideRoutes(ApiRouter& router, std::string_view scopeName, bool users);

    AdminContext& m_context;
};

} // namespace sb::admin
