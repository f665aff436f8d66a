#pragma once

#include <string_view>
#include <vector>

// The topic-filter matching table shared by the Topic, SubscriptionTree and RetainedStore
// suites, so the three agree on one reading of MQTT 5.0 section 4.7 (3.1.1 is the same).
namespace sb::test {

struct TopicMatchCase
{
    const char* name; // the QTest row name
    std::string_view filter;
    std::string_view topic;
    bool matches;
};

inline const std::vector<TopicMatchCase>& topicMatchCases()
{
    static const std::vector<TopicMatchCase> cases = {
        // 4.7.1.2 multi-level wildcard
        {"spec: sport/tennis/player1/# matches its parent", "sport/tennis/player1/#",
         "sport/tennis/player1", true},
        {"spec: sport/tennis/player1/# matches a child", "sport/tennis/player1/#",
         "sport/tennis/player1/ranking", true},
        {"spec: sport/tennis/player1/# matches a grandchild", "sport/tennis/player1/#",
         "sport/tennis/player1/score/wimbledon", true},
        {"spec: sport/tennis/player1/# misses a sibling", "sport/tennis/player1/#",
         "sport/tennis/player2", false},
        {"spec: sport/tennis/player1/# misses a prefix of the last level", "sport/tennis/player1/#",
         "sport/tennis/player", false},
        {"spec: sport/# matches sport", "sport/#", "sport", true},
        {"sport/# matches sport/", "sport/#", "sport/", true},
        {"sport/# misses sports", "sport/#", "sports", false},
        {"sport/# misses an unrelated root", "sport/#", "news/sport", false},
        {"# matches one level", "#", "sport", true},
        {"# matches many levels", "#", "sport/tennis/player1", true},
        {"# matches /", "#", "/", true},
        {"+/tennis/# matches", "+/tennis/#", "sport/tennis/player1", true},
        {"+/tennis/# matches its parent", "+/tennis/#", "sport/tennis", true},
        {"+/tennis/# misses another second level", "+/tennis/#", "sport/golf/player1", false},
        // 4.7.1.3 single-level wildcard
        {"spec: sport/tennis/+ matches player1", "sport/tennis/+", "sport/tennis/player1", true},
        {"spec: sport/tennis/+ matches player2", "sport/tennis/+", "sport/tennis/player2", true},
        {"spec: sport/tennis/+ misses a deeper level", "sport/tennis/+",
         "sport/tennis/player1/ranking", false},
        {"spec: sport/+ misses sport", "sport/+", "sport", false},
        {"spec: sport/+ matches sport/", "sport/+", "sport/", true},
        {"spec: +/+ matches /finance", "+/+", "/finance", true},
        {"spec: /+ matches /finance", "/+", "/finance", true},
        {"spec: + misses /finance", "+", "/finance", false},
        {"spec: sport/+/player1 matches", "sport/+/player1", "sport/tennis/player1", true},
        {"+ matches one level", "+", "sport", true},
        {"+ misses two levels", "+", "sport/tennis", false},
        {"+ misses /", "+", "/", false},
        {"+/+ matches /", "+/+", "/", true},
        {"+/+/+ misses two levels", "+/+/+", "a/b", false},
        {"+/+/# matches two levels", "+/+/#", "a/b", true},
        {"+/# matches one level", "+/#", "a", true},
        // 4.7.2 topics beginning with $
        {"spec: # misses $SYS/...", "#", "$SYS/monitor/Clients", false},
        {"spec: +/monitor/Clients misses $SYS/monitor/Clients", "+/monitor/Clients",
         "$SYS/monitor/Clients", false},
        {"spec: $SYS/# matches $SYS/monitor/Clients", "$SYS/#", "$SYS/monitor/Clients", true},
        {"spec: $SYS/monitor/+ matches $SYS/monitor/Clients", "$SYS/monitor/+",
         "$SYS/monitor/Clients", true},
        {"$SYS/# matches $SYS/x", "$SYS/#", "$SYS/x", true},
        {"$SYS/# matches $SYS", "$SYS/#", "$SYS", true},
        {"+ misses $SYS", "+", "$SYS", false},
        {"+/# misses $SYS/x", "+/#", "$SYS/x", false},
        {"# misses a lone $", "#", "$", false},
        {"$ rule applies to the first level only", "a/+", "a/$b", true},
        {"# matches $ deeper than the first level", "a/#", "a/$SYS/x", true},
        {"$foo exact", "$foo/bar", "$foo/bar", true},
        // exact levels
        {"exact match", "sport/tennis", "sport/tennis", true},
        {"case sensitive", "ACCOUNTS", "Accounts", false},
        {"filter shorter than topic", "sport", "sport/tennis", false},
        {"filter longer than topic", "sport/tennis", "sport", false},
        {"level prefix is not a match", "sport/ten", "sport/tennis", false},
        {"level extension is not a match", "sport/tennis", "sport/ten", false},
        {"spaces are ordinary characters", "sport tennis/a b", "sport tennis/a b", true},
        {"UTF-8 levels", "caf\xc3\xa9/+", "caf\xc3\xa9/cr\xc3\xa8me", true},
        // empty levels, leading and trailing '/'
        {"a//b exact", "a//b", "a//b", true},
        {"a/+/b matches a//b", "a/+/b", "a//b", true},
        {"a/b misses a//b", "a/b", "a//b", false},
        {"a//b misses a/b", "a//b", "a/b", false},
        {"a/# matches a//b", "a/#", "a//b", true},
        {"/a misses a", "/a", "a", false},
        {"a misses /a", "a", "/a", false},
        {"+/a matches /a", "+/a", "/a", true},
        {"/ exact", "/", "/", true},
        {"/# matches /a", "/#", "/a", true},
        {"/# matches /", "/#", "/", true},
        {"a/ misses a", "a/", "a", false},
        {"a misses a/", "a", "a/", false},
        {"a/+ matches a/", "a/+", "a/", true},
        {"a/# matches a/", "a/#", "a/", true},
        {"a/+ misses a//", "a/+", "a//", false},
        {"a/+/+ matches a//", "a/+/+", "a//", true},
    };
    return cases;
}

} // namespace sb::test
