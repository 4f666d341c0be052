/*
 * The SQLite calls tests/unit/sysfail.h can fail, for the state database
 * (sniffer/state.c): armed by name as a system call is, the errno given
 * to sysfail_arm being the SQLite result code the call returns instead
 * of running (sysfail_arm("sqlite3_bind_int", 2, SQLITE_RANGE): the third
 * sqlite3_bind_int returns SQLITE_RANGE).  A failed open or prepare
 * leaves no handle, as SQLite leaves none when it has no memory.
 */
#include "sysfail.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

int __real_sqlite3_open_v2(const char *f, sqlite3 **db, int fl,
    const char *vfs);
int __wrap_sqlite3_open_v2(const char *f, sqlite3 **db, int fl,
    const char *vfs);
int __real_sqlite3_exec(sqlite3 *db, const char *sql,
    int (*cb)(void *, int, char **, char **), void *arg, char **msg);
int __wrap_sqlite3_exec(sqlite3 *db, const char *sql,
    int (*cb)(void *, int, char **, char **), void *arg, char **msg);
int __real_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n,
    sqlite3_stmt **stmt, const char **tail);
int __wrap_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n,
    sqlite3_stmt **stmt, const char **tail);
int __real_sqlite3_step(sqlite3_stmt *stmt);
int __wrap_sqlite3_step(sqlite3_stmt *stmt);
int __real_sqlite3_bind_int(sqlite3_stmt *stmt, int i, int v);
int __wrap_sqlite3_bind_int(sqlite3_stmt *stmt, int i, int v);
int __real_sqlite3_bind_int64(sqlite3_stmt *stmt, int i, sqlite3_int64 v);
int __wrap_sqlite3_bind_int64(sqlite3_stmt *stmt, int i, sqlite3_int64 v);
int __real_sqlite3_bind_blob(sqlite3_stmt *stmt, int i, const void *v,
    int n, void (*del)(void *));
int __wrap_sqlite3_bind_blob(sqlite3_stmt *stmt, int i, const void *v,
    int n, void (*del)(void *));
int __real_sqlite3_bind_text(sqlite3_stmt *stmt, int i, const char *v,
    int n, void (*del)(void *));
int __wrap_sqlite3_bind_text(sqlite3_stmt *stmt, int i, const char *v,
    int n, void (*del)(void *));

int
__wrap_sqlite3_open_v2(const char *f, sqlite3 **db, int fl, const char *vfs)
{
	if (sysfail_hit("sqlite3_open_v2")) {
		*db = NULL;
		return errno;
	}
	return __real_sqlite3_open_v2(f, db, fl, vfs);
}

int
__wrap_sqlite3_exec(sqlite3 *db, const char *sql,
    int (*cb)(void *, int, char **, char **), void *arg, char **msg)
{
	return sysfail_hit("sqlite3_exec") ? errno :
	    __real_sqlite3_exec(db, sql, cb, arg, msg);
}

int
__wrap_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n,
    sqlite3_stmt **stmt, const char **tail)
{
	if (sysfail_hit("sqlite3_prepare_v2")) {
		*stmt = NULL;
		return errno;
	}
	return __real_sqlite3_prepare_v2(db, sql, n, stmt, tail);
}

int
__wrap_sqlite3_step(sqlite3_stmt *stmt)
{
	return sysfail_hit("sqlite3_step") ? errno : __real_sqlite3_step(stmt);
}

int
__wrap_sqlite3_bind_int(sqlite3_stmt *stmt, int i, int v)
{
	return sysfail_hit("sqlite3_bind_int") ? errno :
	    __real_sqlite3_bind_int(stmt, i, v);
}

int
__wrap_sqlite3_bind_int64(sqlite3_stmt *stmt, int i, sqlite3_int64 v)
{
	return sysfail_hit("sqlite3_bind_int64") ? errno :
	    __real_sqlite3_bind_int64(stmt, i, v);
}

int
__wrap_sqlite3_bind_blob(sqlite3_stmt *stmt, int i, const void *v, int n,
    void (*del)(void *))
{
	return sysfail_hit("sqlite3_bind_blob") ? errno :
	    __real_sqlite3_bind_blob(stmt, i, v, n, del);
}

int
__wrap_sqlite3_bind_text(sqlite3_stmt *stmt, int i, const char *v, int n,
    void (*del)(void *))
{
	return sysfail_hit("sqlite3_bind_text") ? errno :
	    __real_sqlite3_bind_text(stmt, i, v, n, del);
}
