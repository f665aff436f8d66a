#pragma once

namespace sb::test {

// An SQLite VFS over the platform's default one that can make every write to a write-ahead log
// fail with SQLITE_FULL, as a disk that fills up at the moment of a commit does. Pass name() as
// SqliteStoreOptions::vfs.
class FaultyVfs
{
public:
    // Registers the VFS on first use (not as the default) and returns its name.
    static const char* name();
    // While set, WAL writes fail; reads and database-file writes go through.
    static void setFailLogWrites(bool fail);
};

} // namespace sb::test
