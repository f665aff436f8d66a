#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// GET /api/v1/sessions/{id}/queue: a session's in-flight and queued messages, in the order the
// client will get them, without taking any. The part in memory is read on the session's
// owner shard; the cold part is paged from the store. Payloads are bounded per page.
class QueueEndpoint
{
public:
    static constexpr std::size_t kMaxPagePayloadBytes = 4 * 1024 * 1024;

    explicit QueueEndpoint(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void browse(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
};

} // namespace sb::admin
