#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// /api/v1/dead-letters: browse (filters, cursor), one entry, counts by reason, replay (to the
// original topic, another topic or the session it was bound for) and purge. The dead-letter
// store answers on its own thread; answers are formatted back on the admin thread.
class DeadLetterEndpoints
{
public:
    static constexpr std::size_t kMaxIds = 10'000;

    explicit DeadLetterEndpoints(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

private:
    void list(const ApiRequest& request, const Responder& responder);
    void get(const ApiRequest& request, const Responder& responder);
    void stats(const ApiRequest& request, const Responder& responder);
    void replay(const ApiRequest& request, const Responder& responder);
    void purge(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
};

} // namespace sb::admin
