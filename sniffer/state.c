#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "template.h"

struct state {
	sqlite3 *db;
};

static const char state_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS replay ("
    " tag BLOB PRIMARY KEY, expiry INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS grants ("
    " addr BLOB NOT NULL, family INTEGER NOT NULL, proto INTEGER NOT NULL,"
    " port INTEGER NOT NULL, expiry INTEGER NOT NULL, close_argv BLOB NOT NULL,"
    " PRIMARY KEY (addr, proto, port));";

static int
state_mkdir(const char *dir, char err[STATE_ERR_MAX])
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	snprintf(err, STATE_ERR_MAX, "state directory %s: %s", dir,
	    strerror(errno));
	return -1;
}

int
state_open(const char *dir, struct state **out, char err[STATE_ERR_MAX])
{
	struct state *st = calloc(1, sizeof(*st));
	char path[4096];
	int memory = dir == NULL || *dir == '\0';

	*out = NULL;
	if (st == NULL || (!memory && state_mkdir(dir, err) != 0)) {
		free(st);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/state.db", memory ? "" : dir);
	if (sqlite3_open_v2(memory ? ":memory:" : path, &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, state_schema, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, STATE_ERR_MAX, "%.300s: %.200s", memory ? "memory" : path,
		    st->db ? sqlite3_errmsg(st->db) : "cannot open");
		state_close(st);
		return -1;
	}
	sqlite3_busy_timeout(st->db, 2000);
	*out = st;
	return 0;
}

void
state_close(struct state *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	free(st);
}

const char *
state_error(const struct state *st)
{
	return sqlite3_errmsg(st->db);
}

/* Prepares sql; runs it to completion after bind() filled it. */
static int
state_exec(struct state *st, const char *sql,
    int (*bind)(sqlite3_stmt *, const void *), const void *arg)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	rc = bind(stmt, arg) == SQLITE_OK ? sqlite3_step(stmt) : SQLITE_ERROR;
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct replay_row {
	const uint8_t *tag;
	int64_t expiry;
};

static int
state_bind_replay(sqlite3_stmt *stmt, const void *arg)
{
	const struct replay_row *r = arg;
	int rc = sqlite3_bind_blob(stmt, 1, r->tag, SPA_MAC_LEN, SQLITE_STATIC);

	return rc != SQLITE_OK ? rc : sqlite3_bind_int64(stmt, 2, r->expiry);
}

int
state_replay_add(struct state *st, const uint8_t tag[SPA_MAC_LEN],
    int64_t expiry)
{
	struct replay_row r = { tag, expiry };

	return state_exec(st, "INSERT INTO replay (tag, expiry) VALUES (?, ?)"
	    " ON CONFLICT (tag) DO UPDATE SET expiry = max(expiry, excluded.expiry)",
	    state_bind_replay, &r);
}

static int
state_bind_now(sqlite3_stmt *stmt, const void *arg)
{
	return sqlite3_bind_int64(stmt, 1, *(const int64_t *)arg);
}

long
state_replay_load(struct state *st, struct replay_cache *rc, int64_t now)
{
	sqlite3_stmt *stmt = NULL;
	long n = 0;
	int step;

	if (state_exec(st, "DELETE FROM replay WHERE expiry <= ?",
	    state_bind_now, &now) != 0 ||
	    sqlite3_prepare_v2(st->db, "SELECT tag, expiry FROM replay", -1,
	    &stmt, NULL) != SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(stmt, 0) != SPA_MAC_LEN)
			continue;       /* not ours: ignore rather than trust */
		if (replay_add(rc, sqlite3_column_blob(stmt, 0),
		    sqlite3_column_int64(stmt, 1), now) != 0)
			break;
		n++;
	}
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? n : -1;
}

/* argv as one blob of NUL-terminated words. */
static size_t
state_argv_pack(char *const *argv, char *buf, size_t cap)
{
	size_t len = 0;

	for (size_t i = 0; argv[i] != NULL; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (n > cap - len)
			return 0;
		memcpy(buf + len, argv[i], n);
		len += n;
	}
	return len;
}

/* Splits a packed blob into a NULL-terminated argv pointing into buf. */
static int
state_argv_unpack(char *buf, size_t len, char **argv, size_t max)
{
	size_t n = 0;

	if (len == 0 || buf[len - 1] != '\0')
		return -1;
	for (size_t off = 0; off < len; off += strlen(buf + off) + 1) {
		if (n + 1 >= max)
			return -1;
		argv[n++] = buf + off;
	}
	argv[n] = NULL;
	return 0;
}

struct grant_row {
	const struct state_grant *g;
	const char *packed;
	size_t packed_len;
};

static int
state_bind_grant_key(sqlite3_stmt *stmt, const struct state_grant *g)
{
	int rc = sqlite3_bind_blob(stmt, 1, g->addr.bytes, SPA_ADDR_LEN,
	    SQLITE_STATIC);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 2, g->proto);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 3, g->port);
	return rc;
}

static int
state_bind_grant(sqlite3_stmt *stmt, const void *arg)
{
	const struct grant_row *r = arg;
	int rc = state_bind_grant_key(stmt, r->g);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(stmt, 4, r->g->addr.family);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(stmt, 5, r->g->expiry);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob(stmt, 6, r->packed, (int)r->packed_len,
		    SQLITE_STATIC);
	return rc;
}

int
state_grant_put(struct state *st, const struct state_grant *g)
{
	char packed[4096];
	struct grant_row r = { g, packed, 0 };

	r.packed_len = state_argv_pack(g->close_argv, packed, sizeof(packed));
	if (r.packed_len == 0)
		return -1;
	return state_exec(st, "INSERT OR REPLACE INTO grants"
	    " (addr, proto, port, family, expiry, close_argv)"
	    " VALUES (?, ?, ?, ?, ?, ?)", state_bind_grant, &r);
}

static int
state_bind_grant_only_key(sqlite3_stmt *stmt, const void *arg)
{
	return state_bind_grant_key(stmt, arg);
}

int
state_grant_delete(struct state *st, const struct spa_addr *addr,
    uint8_t proto, uint16_t port)
{
	struct state_grant g = { .addr = *addr, .proto = proto, .port = port };

	return state_exec(st, "DELETE FROM grants WHERE addr = ? AND proto = ?"
	    " AND port = ?", state_bind_grant_only_key, &g);
}

/* One row into g; argv words point into buf.  -1 for a damaged row. */
static int
state_grant_row(sqlite3_stmt *stmt, struct state_grant *g, char *buf,
    size_t cap, char **argv, size_t max)
{
	int alen = sqlite3_column_bytes(stmt, 0);
	int blen = sqlite3_column_bytes(stmt, 5);
	int family = sqlite3_column_int(stmt, 1);

	if (alen != SPA_ADDR_LEN || blen <= 0 || (size_t)blen > cap ||
	    (family != 4 && family != 6))
		return -1;
	memcpy(g->addr.bytes, sqlite3_column_blob(stmt, 0), SPA_ADDR_LEN);
	g->addr.family = (uint8_t)family;
	g->proto = (uint8_t)sqlite3_column_int(stmt, 2);
	g->port = (uint16_t)sqlite3_column_int(stmt, 3);
	g->expiry = sqlite3_column_int64(stmt, 4);
	memcpy(buf, sqlite3_column_blob(stmt, 5), (size_t)blen);
	if (state_argv_unpack(buf, (size_t)blen, argv, max) != 0)
		return -1;
	g->close_argv = argv;
	return 0;
}

int
state_grant_each(struct state *st,
    int (*fn)(void *ctx, const struct state_grant *g), void *ctx)
{
	char buf[4096], *argv[TEMPLATE_MAX_WORDS + 1];
	sqlite3_stmt *stmt = NULL;
	struct state_grant g;
	int step;

	if (sqlite3_prepare_v2(st->db, "SELECT addr, family, proto, port,"
	    " expiry, close_argv FROM grants ORDER BY expiry", -1, &stmt,
	    NULL) != SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (state_grant_row(stmt, &g, buf, sizeof(buf), argv,
		    TEMPLATE_MAX_WORDS + 1) != 0)
			continue;
		if (fn(ctx, &g) != 0) {
			step = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(stmt);
	return step == SQLITE_DONE ? 0 : -1;
}
