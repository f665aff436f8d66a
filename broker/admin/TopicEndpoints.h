#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// GET /api/v1/topics: the topic tree, browsed lazily one node at a time (`prefix`, `depth`),
// with message counts and rates per topic (from each shard's topic activity) and retained
// flags (from the retained store).
class TopicEndpoints
{
public:
    static constexpr unsigned kMaxDepth = 16;

    explicit TopicEndpoints(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void list(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
};

} // namespace sb::admin
