#pragma once

#include <cstdint>
#include <span>

#include "broker/core/Clock.h"
#include "broker/storage/Database.h"

namespace sb::storage {

// The versioned schema: an ordered list of migration steps, step N taking a database from
// version N-1 to N. Adding a table is one new function appended to the list (Schema.cpp).
namespace schema {

struct Migration
{
    int version;             // the version this step produces
    const char* description; // recorded in schema_version, for people reading the file
    void (*apply)(Database&);
};

std::span<const Migration> migrations();
int latestVersion();

// The version recorded in the file (0 for a new, empty database).
int currentVersion(Database& database);

// Brings the database up to `targetVersion` (default: the latest), each step in its own
// transaction. Throws std::runtime_error naming the file and both versions if the file is
// newer than this build understands, and SqliteError if a step fails (that step is rolled back).
void migrate(Database& database, core::Clock::WallTimePoint now, int targetVersion = 0);

} // namespace schema

} // namespace sb::storage
