#pragma once

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

class ApiRouter;

// /api/v1/retained: the retained messages (optionally those matching a filter), one topic's
// message, and removing one (from memory and the store, as an empty retained PUBLISH would).
class RetainedEndpoints
{
public:
    explicit RetainedEndpoints(AdminContext& context)
        : m_context(context)
    {}

    void addRoutes(ApiRouter& router);

    // Topic order level by level ("a/b" before "a-c"): '/' sorts before every other byte.
    static bool topicLess(std::string_view a, std::string_view b);

private:
    void list(const ApiRequest& request, const Responder& responder);
    void get(const ApiRequest& request, const Responder& responder);
    void remove(const ApiRequest& request, const Responder& responder);

    AdminContext& m_context;
};

} // namespace sb::admin
