#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// POST /api/v1/publish: publishes a message as the broker itself (publisher "$admin"), on a
// shard's thread like any PUBLISH, and answers once the broker accepted it (after the commit
// in sync durability when it had to be stored).
class PublishEndpoint
{
public:
    static constexpr std::string_view kPublisher = "$admin";

    explicit PublishEndpoint(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void publish(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
    unsigned m_nextShard = 0; // admin thread only
};

} // namespace sb::admin
