#include "tests/storage/FaultyVfs.h"

#include <atomic>
#include <mutex>
#include <stdexcept>

#include <sqlite3.h>

namespace sb::test {

namespace {

std::atomic<bool> g_failLogWrites{false};
sqlite3_vfs* g_real = nullptr;

// The file object SQLite allocates for us: our header, then the real VFS's file right after.
struct FaultyFile
{
    sqlite3_file base;
    sqlite3_file* real;
    bool isLog;
};

sqlite3_file* real(sqlite3_file* file)
{
    return reinterpret_cast<FaultyFile*>(file)->real;
}

int fileClose(sqlite3_file* file)
{
    return real(file)->pMethods->xClose(real(file));
}
int fileRead(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset)
{
    return real(file)->pMethods->xRead(real(file), buffer, amount, offset);
}
int fileWrite(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset)
{
    if (reinterpret_cast<FaultyFile*>(file)->isLog && g_failLogWrites.load()) {
        return SQLITE_FULL;
    }
    return real(file)->pMethods->xWrite(real(file), buffer, amount, offset);
}
int fileTruncate(sqlite3_file* file, sqlite3_int64 size)
{
    return real(file)->pMethods->xTruncate(real(file), size);
}
int fileSync(sqlite3_file* file, int flags)
{
    return real(file)->pMethods->xSync(real(file), flags);
}
int fileSize(sqlite3_file* file, sqlite3_int64* size)
{
    return real(file)->pMethods->xFileSize(real(file), size);
}
int fileLock(sqlite3_file* file, int level)
{
    return real(file)->pMethods->xLock(real(file), level);
}
int fileUnlock(sqlite3_file* file, int level)
{
    return real(file)->pMethods->xUnlock(real(file), level);
}
int fileCheckReservedLock(sqlite3_file* file, int* result)
{
    return real(file)->pMethods->xCheckReservedLock(real(file), result);
}
int fileControl(sqlite3_file* file, int op, void* argument)
{
    return real(file)->pMethods->xFileControl(real(file), op, argument);
}
int fileSectorSize(sqlite3_file* file)
{
    return real(file)->pMethods->xSectorSize(real(file));
}
int fileDeviceCharacteristics(sqlite3_file* file)
{
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}
int fileShmMap(sqlite3_file* file, int page, int pageSize, int extend, void volatile** memory)
{
    return real(file)->pMethods->xShmMap(real(file), page, pageSize, extend, memory);
}
int fileShmLock(sqlite3_file* file, int offset, int n, int flags)
{
    return real(file)->pMethods->xShmLock(real(file), offset, n, flags);
}
void fileShmBarrier(sqlite3_file* file)
{
    real(file)->pMethods->xShmBarrier(real(file));
}
int fileShmUnmap(sqlite3_file* file, int deleteFlag)
{
    return real(file)->pMethods->xShmUnmap(real(file), deleteFlag);
}
int fileFetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** pointer)
{
    return real(file)->pMethods->xFetch(real(file), offset, amount, pointer);
}
int fileUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* pointer)
{
    return real(file)->pMethods->xUnfetch(real(file), offset, pointer);
}

const sqlite3_io_methods kMethods = {
    3,
    fileClose,
    fileRead,
    fileWrite,
    fileTruncate,
    fileSync,
    fileSize,
    fileLock,
    fileUnlock,
    fileCheckReservedLock,
    fileControl,
    fileSectorSize,
    fileDeviceCharacteristics,
    fileShmMap,
    fileShmLock,
    fileShmBarrier,
    fileShmUnmap,
    fileFetch,
    fileUnfetch,
};

int vfsOpen(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* file, int flags, int* outFlags)
{
    auto* self = reinterpret_cast<FaultyFile*>(file);
    self->real = reinterpret_cast<sqlite3_file*>(self + 1);
    self->isLog = (flags & SQLITE_OPEN_WAL) != 0;
    self->base.pMethods = nullptr;
    const int rc = g_real->xOpen(g_real, name, self->real, flags, outFlags);
    // SQLite calls xClose only if pMethods is set, so set it only for an open file.
    if (rc == SQLITE_OK && self->real->pMethods != nullptr) {
        self->base.pMethods = &kMethods;
    }
    return rc;
}
int vfsDelete(sqlite3_vfs*, const char* name, int syncDir)
{
    return g_real->xDelete(g_real, name, syncDir);
}
int vfsAccess(sqlite3_vfs*, const char* name, int flags, int* result)
{
    return g_real->xAccess(g_real, name, flags, result);
}
int vfsFullPathname(sqlite3_vfs*, const char* name, int size, char* out)
{
    return g_real->xFullPathname(g_real, name, size, out);
}
void* vfsDlOpen(sqlite3_vfs*, const char* name)
{
    return g_real->xDlOpen(g_real, name);
}
void vfsDlError(sqlite3_vfs*, int size, char* message)
{
    g_real->xDlError(g_real, size, message);
}
void (*vfsDlSym(sqlite3_vfs*, void* handle, const char* symbol))(void)
{
    return g_real->xDlSym(g_real, handle, symbol);
}
void vfsDlClose(sqlite3_vfs*, void* handle)
{
    g_real->xDlClose(g_real, handle);
}
int vfsRandomness(sqlite3_vfs*, int size, char* out)
{
    return g_real->xRandomness(g_real, size, out);
}
int vfsSleep(sqlite3_vfs*, int microseconds)
{
    return g_real->xSleep(g_real, microseconds);
}
int vfsCurrentTime(sqlite3_vfs*, double* now)
{
    return g_real->xCurrentTime(g_real, now);
}
int vfsGetLastError(sqlite3_vfs*, int size, char* message)
{
    return g_real->xGetLastError(g_real, size, message);
}
int vfsCurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* now)
{
    return g_real->xCurrentTimeInt64(g_real, now);
}

sqlite3_vfs g_vfs{};

} // namespace

const char* FaultyVfs::name()
{
    static std::once_flag registered;
    std::call_once(registered, [] {
        g_real = sqlite3_vfs_find(nullptr);
        if (g_real == nullptr || g_real->iVersion < 2) {
            throw std::runtime_error("no default SQLite VFS to wrap");
        }
        g_vfs.iVersion = 2;
        g_vfs.szOsFile = static_cast<int>(sizeof(FaultyFile)) + g_real->szOsFile;
        g_vfs.mxPathname = g_real->mxPathname;
        g_vfs.zName = "switchboard-faulty";
        g_vfs.xOpen = vfsOpen;
        g_vfs.xDelete = vfsDelete;
        g_vfs.xAccess = vfsAccess;
        g_vfs.xFullPathname = vfsFullPathname;
        g_vfs.xDlOpen = vfsDlOpen;
        g_vfs.xDlError = vfsDlError;
        g_vfs.xDlSym = vfsDlSym;
        g_vfs.xDlClose = vfsDlClose;
        g_vfs.xRandomness = vfsRandomness;
        g_vfs.xSleep = vfsSleep;
        g_vfs.xCurrentTime = vfsCurrentTime;
        g_vfs.xGetLastError = vfsGetLastError;
        g_vfs.xCurrentTimeInt64 = vfsCurrentTimeInt64;
        sqlite3_vfs_register(&g_vfs, 0);
    });
    return g_vfs.zName;
}

void FaultyVfs::setFailLogWrites(bool fail)
{
    g_failLogWrites.store(fail);
}

} // namespace sb::test
